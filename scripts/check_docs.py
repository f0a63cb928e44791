#!/usr/bin/env python3
"""Docs checks (a CTest): every relative link in README.md, docs/*.md and analysis/**/README.md resolves
to a file (and, for #anchors into Markdown files, to a heading), and README.md lists every shipped
scenario file and every study. Exit 1 with one line per problem."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def anchors(md):
    """GitHub-style anchors of a Markdown file's headings."""
    out = set()
    for line in md.read_text().splitlines():
        m = re.match(r"#+ (.*)", line)
        if m:
            text = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
            out.add(text.replace(" ", "-"))
    return out


def main():
    problems = []
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "analysis").rglob("README.md"))]
    for page in pages:
        text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)  # links in code blocks are code
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}: link ({target})"
            if not dest.exists():
                problems.append(f"{where}: {path} does not exist")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"{where}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    readme = (ROOT / "README.md").read_text()
    for scenario in sorted((ROOT / "scenarios").glob("*.json")):
        if scenario.name == "catalog.json" or scenario.name.endswith(".schema.json"):
            continue
        if f"`{scenario.name}`" not in readme:
            problems.append(f"README.md: shipped scenario {scenario.name} is not listed under 'Shipped scenarios'")
    for study in sorted((ROOT / "scenarios" / "studies").glob("*.json")):
        if f"`{study.stem}`" not in readme:
            problems.append(f"README.md: study {study.stem} is not listed")
    for p in problems:
        print(p)
    print(f"{len(pages)} pages checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
