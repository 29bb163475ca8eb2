"""The warnings of collect_submission.py: what the gathered files hold that will cost points.

Notebooks not run top to bottom, written answers not given, functions that still raise NotImplementedError, modules
that cannot be parsed or that the grader does not read, and a saved model trained on other data than the grader
scores on. Each function takes the files as gather() returns them ([(rel, kind, bytes, mtime)]) and the messages
``t`` of one language, and returns the warnings as text; none of them stops the hand-in.
"""
import ast
import io
import json
import zipfile
from pathlib import PurePosixPath

from .course import DEFAULT_FACTS

# What a written answer's cell holds until the student answers: nbgrader's text stub (the release may set its own,
# listed here as well).
ANSWER_STUBS = ("YOUR ANSWER HERE", "在这里写下你的答案。")
DATA_SETS = ("cifar10", "embedded")  # the values of best_model.npz's meta["data"] and of settings.scoring_data
META_LIMIT = 64 * 1024


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_state(data):
    """How a notebook was run, from its saved file: None when run top to bottom and saved, else one of
    ("unreadable", why), ("not run",), ("no outputs",), ("stopped", execution count, error name), ("out of order",).

    Top to bottom means: the code cells that have code carry the execution counts 1, 2, ..., n in order (as after
    Restart Kernel and Run All Cells; empty cells are never run).
    """
    try:
        nb = json.loads(data.decode("utf-8"))
        cells = [c for c in nb["cells"] if c.get("cell_type") == "code" and _source(c).strip()]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return ("unreadable", type(exc).__name__)
    counts = [c.get("execution_count") for c in cells]
    has_outputs = any(c.get("outputs") for c in cells)
    if not any(counts) and not has_outputs:
        return ("not run",)
    if counts == list(range(1, len(counts) + 1)):
        return None if has_outputs else ("no outputs",)
    k = 0
    while k < len(counts) and counts[k] == k + 1:
        k += 1
    if k and all(c is None for c in counts[k:]):
        errors = [o for o in cells[k - 1].get("outputs", []) if isinstance(o, dict) and o.get("output_type") == "error"]
        if errors:
            return ("stopped", k, str(errors[0].get("ename", "an error")))
    return ("out of order",)


def unanswered(data):
    """[(grade_id, stub)] of the written answers (nbgrader's markdown solution cells) still holding their stub or
    nothing; [] for a notebook that cannot be read (notebook_state reports that)."""
    try:
        cells = json.loads(data.decode("utf-8"))["cells"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return []
    out = []
    for cell in cells if isinstance(cells, list) else []:
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        if cell.get("cell_type") == "markdown" and isinstance(meta, dict) and meta.get("solution"):
            text = _source(cell).strip()
            if not text or text in ANSWER_STUBS:
                out.append((str(meta.get("grade_id", "?")), text or ANSWER_STUBS[0]))
    return out


def model_meta(data):
    """The ``meta`` record of a saved best_model.npz (a dict), or None when there is none or it is unreadable.

    Read with the standard library: an .npz is a zip of .npy files, and ``meta.npy`` is a 1-D uint8 array holding
    the UTF-8 bytes of a JSON object.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("meta.npy")
            if info.file_size > META_LIMIT + 4096:
                return None
            raw = z.read(info)
        if raw[:6] != b"\x93NUMPY":
            return None
        size_bytes = 2 if raw[6] == 1 else 4
        header_len = int.from_bytes(raw[8:8 + size_bytes], "little")
        header = ast.literal_eval(raw[8 + size_bytes:8 + size_bytes + header_len].decode("latin1"))
        if header.get("descr") not in ("|u1", "<u1", "u1") or header.get("fortran_order"):
            return None
        meta = json.loads(raw[8 + size_bytes + header_len:].decode("utf-8"))
    except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile, UnicodeDecodeError, IndexError, AttributeError):
        return None
    return meta if isinstance(meta, dict) else None


def model_warnings(files, scoring, t):
    """Warnings for saved models trained on other data than the grader scores on (``scoring``, from the release
    marker's settings), or that do not say what they were trained on."""
    if scoring not in DATA_SETS:
        return []
    out = []
    for rel, kind, data, _ in files:
        if kind != "model":
            continue
        meta = model_meta(data)
        if meta is None:
            out.append(t["model_no_meta"].format(rel=rel, scoring=t[f"data_{scoring}"]))
        elif meta.get("data") != scoring:
            trained = t[f"data_{meta['data']}"] if meta.get("data") in DATA_SETS else repr(meta.get("data"))
            out.append(t["model_data"].format(rel=rel, trained=trained, scoring=t[f"data_{scoring}"]))
    return out


def _raises_not_implemented(func):
    """True when the body of ``func`` (not of functions or classes inside it) raises NotImplementedError."""
    todo = list(func.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
        todo.extend(ast.iter_child_nodes(node))
    return False


def unfilled_stubs(source):
    """Qualified names (``ShallowLayerNet.loss``) of the functions whose body still raises NotImplementedError.

    Raises SyntaxError when the module cannot be parsed.
    """
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if _raises_not_implemented(child):
                    found.append(prefix + child.name)
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)
    visit(ast.parse(source), "")
    return found


def content_warnings(files, missing, t):
    """Warnings about what the files hold: missing files, notebooks not run top to bottom, unfilled stubs."""
    out = [t["missing"].format(rel=rel) for rel in missing]
    not_run = []
    for rel, kind, data, _ in files:
        if kind == "notebook":
            state = notebook_state(data)
            missed = unanswered(data) if state is None or state[0] not in ("not run", "unreadable") else []
            if missed:
                out.append(t["unanswered"].format(rel=rel, count=len(missed), stub=missed[0][1],
                                                  where=", ".join(grade_id for grade_id, _ in missed)))
            if state is None:
                continue
            if state[0] == "not run":
                not_run.append(PurePosixPath(rel).stem)
            elif state[0] == "unreadable":
                out.append(t["unreadable_nb"].format(rel=rel, why=state[1]))
            elif state[0] == "stopped":
                out.append(t["stopped"].format(rel=rel, count=state[1], error=state[2]))
            else:
                out.append(t[state[0].replace(" ", "_")].format(rel=rel))
        elif kind == "module":
            try:
                names = unfilled_stubs(data.decode("utf-8"))
            except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
                out.append(t["syntax"].format(rel=rel, line=getattr(exc, "lineno", "?"),
                                              msg=getattr(exc, "msg", type(exc).__name__)))
                continue
            if names:
                out.append(t["stubs"].format(rel=rel, names=", ".join(names)))
    if not_run:
        out.append(t["not_run"].format(names=", ".join(not_run)))
    return out


def extra_modules(root, modules, t, facts=DEFAULT_FACTS):
    """Warnings for .py files in classifiers/chapter3 that the grader does not read."""
    package = facts["package"]
    folder = root / package
    if not folder.is_dir() or folder.is_symlink():
        return []
    extra = sorted(p.name for p in folder.glob("*.py") if p.name not in modules and p.name != "__init__.py")
    return [t["extra"].format(rel=f"{package}/{name}", modules=", ".join(modules)) for name in extra]
