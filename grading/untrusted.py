"""Reading a notebook a student submitted, which may be anything: huge, not UTF-8, not JSON, hostile HTML.

Nothing here executes or renders the notebook. ``read_notebook`` says why a file is not a usable notebook instead
of raising, and ``safe_outputs`` keeps only outputs that cannot carry markup or script: text and checked images.
"""
import errno
import functools
import itertools
import json
import os
import re
import stat

import nbformat

MAX_NOTEBOOK_BYTES = 20 * 2**20
MAX_TEXT = 20_000  # characters kept of one output's text
MAX_IMAGE = 2 * 2**20  # base64 characters kept of one image
_BASE64 = re.compile(r"[A-Za-z0-9+/=\n\r]+")
_IMAGE_TYPES = ("image/png", "image/jpeg")
_CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def read_notebook(path):
    """The notebook at ``path``, or why it cannot be used.

    Inputs:
    - path: a file the student submitted (never followed if it is a symbolic link)

    Returns:
    - (notebook, None) for a valid nbformat-4 notebook, else (None, short reason in English)
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None, "no notebook was submitted"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "the notebook is a symbolic link (never followed)"
        return None, f"the notebook file cannot be opened ({exc.strerror or type(exc).__name__})"
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None, "the notebook is not a regular file"
    with os.fdopen(fd, "rb") as f:
        raw = f.read(MAX_NOTEBOOK_BYTES + 1)
    if len(raw) > MAX_NOTEBOOK_BYTES:
        return None, f"the notebook file is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB"
    if not raw.strip():
        return None, "the notebook file is empty"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the notebook file is not UTF-8 text"
    invalid = {}
    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error=invalid)  # validates it once
        if invalid:
            raise invalid["ValidationError"]
    except nbformat.ValidationError as exc:
        return None, f"the notebook does not follow the notebook format ({_short(exc.message)})"
    except Exception as exc:  # json errors, wrong top-level types, absurd nesting...
        return None, f"the notebook file is not valid notebook JSON ({type(exc).__name__})"
    return nb, None


def _short(text, limit=200):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"


def _text(value):
    """Notebook text (a string or a list of strings) as one capped string."""
    if isinstance(value, list):
        value = "".join(v for v in value if isinstance(v, str))
    if not isinstance(value, str):
        return ""
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "\n… (output truncated)\n"


def _image(data):
    """Base64 image data if it is plain base64 of sane size, else None."""
    if isinstance(data, list):
        data = "".join(d for d in data if isinstance(d, str))
    if isinstance(data, str) and len(data) <= MAX_IMAGE and _BASE64.fullmatch(data):
        return data.replace("\n", "").replace("\r", "")
    return None


def safe_outputs(outputs):
    """New outputs holding only plain text and checked PNG/JPEG images, without any output metadata.

    Inputs:
    - outputs: a code cell's outputs, as the student's file had them

    Returns:
    - list of nbformat output nodes
    """
    safe = []
    for out in outputs if isinstance(outputs, list) else []:
        kind = out.get("output_type") if isinstance(out, dict) else None
        if kind == "stream":
            name = "stderr" if out.get("name") == "stderr" else "stdout"
            safe.append(nbformat.v4.new_output("stream", name=name, text=_text(out.get("text"))))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data") if isinstance(out.get("data"), dict) else {}
            kept = {mime: img for mime in _IMAGE_TYPES if (img := _image(data.get(mime)))}
            if not kept and "text/plain" in data:
                kept["text/plain"] = _text(data["text/plain"])
            if kept:
                safe.append(nbformat.v4.new_output("display_data", data=kept))
        elif kind == "error":
            text = f"{_text(out.get('ename'))}: {_text(out.get('evalue'))}"
            safe.append(nbformat.v4.new_output("stream", name="stderr", text=_text(text) + "\n"))
    return safe


def normalize_ids(nb):
    """Give every cell a valid, unique id, deterministically (nbformat would draw random ones), as nbformat 4.5.

    A cell keeps its id when it is valid and unique; else it gets its nbgrader grade_id or ``cell-<index>``.
    """
    seen = set()
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        candidates = itertools.chain([cell.get("id"), meta.get("grade_id") if isinstance(meta, dict) else None],
                                     (f"cell-{i}-{n}" if n else f"cell-{i}" for n in range(len(nb.cells) + 1)))
        cell.id = next(c for c in candidates if isinstance(c, str) and _CELL_ID.fullmatch(c) and c not in seen)
        seen.add(cell.id)
    nb.nbformat_minor = max(nb.get("nbformat_minor", 0), 5)
    return nb


# ------------------------------------------------------------------------------------------ for the formgrader
_LINK_TARGET = re.compile(r"(\]\(\s*<?|^\s{0,3}\[[^\]\n]{1,200}\]:\s*<?)([^\s)>]*)", re.MULTILINE)
_SAFE_SCHEMES = ("http:", "https:", "mailto:", "#", "attachment:")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _safe_target(url):
    """A markdown link target kept when it is relative or http(s)/mailto; anything else (javascript:, vbscript:,
    data:, file:, entity- or whitespace-obfuscated) becomes "#"."""
    import html as html_

    plain = _CONTROL.sub("", html_.unescape(html_.unescape(url))).lower()
    scheme = re.match(r"[a-z][a-z0-9+.\-]*:", plain)
    return url if scheme is None or plain.startswith(_SAFE_SCHEMES) else "#"


def inert_markdown(source):
    """Markdown a student wrote, made inert the way nbconvert sanitises untrusted HTML (its SanitizeHTML
    preprocessor: bleach with nbconvert's allowed tags and attributes, so no script, no event handlers, no
    iframes or forms), and link targets with a scheme other than http(s)/mailto replaced by "#".

    Inputs: source, the cell's text. Returns: the text to store instead.
    """
    # most cells of most students are the release's own text: each distinct (short) text is cleaned once
    return _inert_remembered(source) if len(source) <= _REMEMBER_CHARS else _inert(source)


_REMEMBER_CHARS = 20_000


def _inert(source):
    cleaned = _sanitizer().sanitize_html_tags(source)
    return _LINK_TARGET.sub(lambda m: m[1] + _safe_target(m[2]), cleaned)


_inert_remembered = functools.lru_cache(maxsize=4096)(_inert)


@functools.cache
def _sanitizer():
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    return SanitizeHTML()


def formgrader_safe(nb):
    """The notebook with nothing active left for the formgrader, which renders it in the instructor's Jupyter
    origin: markdown and raw cells made inert (:func:`inert_markdown`), attachments dropped, code cells' outputs
    reduced to :func:`safe_outputs`. Cell metadata is kept (nbgrader needs it). Returns the same notebook."""
    for cell in nb.cells:
        cell.pop("attachments", None)
        if cell.get("cell_type") in ("markdown", "raw"):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source if isinstance(source, str) else ""
            cell["source"] = inert_markdown(source)
            if cell.get("cell_type") == "raw":  # a raw cell rendered as text/html would skip the markdown step
                cell.get("metadata", {}).pop("raw_mimetype", None)
                cell.get("metadata", {}).pop("format", None)
        elif cell.get("cell_type") == "code":
            cell["outputs"] = safe_outputs(cell.get("outputs"))
    return nb


def formgrader_view(path):
    """The notebook at ``path`` as the formgrader may show it: :func:`read_notebook`, then :func:`formgrader_safe`.

    Returns the NotebookNode, or None when ``path`` is None or not a usable notebook (the gradebook then shows the
    release). Raises UnicodeEncodeError for text UTF-8 cannot encode (lone surrogates, which JSON escapes can
    give), as writing the notebook to a file would.
    """
    nb = read_notebook(path)[0] if path is not None else None
    if nb is None:
        return None
    nb = formgrader_safe(nb)
    try:
        json.dumps(nb, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        nbformat.writes(nb).encode("utf-8")  # the error of the notebook's file text, if that has the character
    return nb
