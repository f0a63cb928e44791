"""Writing a file so that readers see the old contents or the new, never a part: the text goes to a
temporary file in the same directory (same file system), which then replaces the target in one
rename. The target keeps its permission bits. Shared by the scripts that rewrite committed files
(doc_figures.py, validate.py, golden_outputs.py)."""
import os
import tempfile


def write_text_atomically(path, text):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        if os.path.exists(path):
            os.chmod(temporary, os.stat(path).st_mode & 0o777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _umask():
    current = os.umask(0)
    os.umask(current)
    return current
