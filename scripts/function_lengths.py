#!/usr/bin/env python3
"""Lists the longest C++ functions under the given folders (default: sim/), longest first.

A function is a brace block whose header (the text since the previous ';', '{' or '}') holds a '(' and
that opens at namespace or class level; its length counts the lines from the header's first line to the
closing brace. Lambdas and nested blocks count toward their function. Strings, character literals and
comments are skipped, so braces inside them do not count.
usage: scripts/function_lengths.py [--top N] [--over LINES] [DIR_OR_FILE ...]
"""
import argparse
import pathlib
import re
import sys


def strip_code(text):
    """The text with comments and string/char literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == "#" and text[text.rfind("\n", 0, i) + 1:i].strip() == "":
            j = i
            while True:  # a preprocessor line, with its continuations
                j = text.find("\n", j)
                if j < 0 or text[j - 1] != "\\":
                    break
                j += 1
            j = n if j < 0 else j
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c); i = j + 1
        else:
            out.append(c); i += 1
    return "".join(out)


def functions(path):
    code = strip_code(path.read_text(errors="replace"))
    stack, result = [], []
    header_start = 0
    line = 1
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        if c not in "{};":
            continue
        if c == "{":
            header = code[header_start:i]
            first = header_start + len(header) - len(header.lstrip())
            start_line = code.count("\n", 0, first) + 1
            outer = stack[-1][0] if stack else "ns"
            if re.search(r"\bnamespace\b[^(]*$", header) or re.search(r"extern\s+\"", header):
                kind = "ns"
            elif outer in ("ns", "class") and re.search(r"\b(class|struct|union|enum)\b[^(]*$", header):
                kind = "class"
            elif outer in ("ns", "class") and "(" in header and not re.search(r"=\s*$", header):
                kind = "func"
            else:
                kind = "block"
            name = re.sub(r"\s+", " ", header.strip())
            stack.append((kind, start_line, name))
        elif c == "}" and stack:
            kind, start_line, name = stack.pop()
            if kind == "func":
                result.append((line - start_line + 1, str(path), start_line, name[:90]))
        header_start = i + 1
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["sim"])
    parser.add_argument("--top", type=int, default=10, help="how many to list (default 10)")
    parser.add_argument("--over", type=int, default=0, help="list only functions longer than this")
    args = parser.parse_args()
    found = []
    for p in map(pathlib.Path, args.paths):
        files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.suffix in (".cpp", ".h", ".in"))
        for f in files:
            found += functions(f)
    found.sort(key=lambda r: (-r[0], r[1], r[2]))
    shown = [r for r in found if r[0] > args.over][: args.top]
    for length, file, start, name in shown:
        print(f"{length:5d}  {file}:{start}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
