"""Hand in your work as one zip file: ``python collect_submission.py <student_id>``.

Run it in the course folder (the one that holds ``assignments/`` and ``classifiers/``) when your teacher collects
work as a zip upload (Binder, your own computer, a learning management system). On a JupyterHub with nbgrader,
use the Submit button of the Assignments tab instead.

What it does:
1. runs the visible checks of every notebook once and prints the tables (the same as each notebook's last cell);
2. warns about notebooks that were not run top to bottom, written answers not given yet, functions that still raise
   NotImplementedError, and a saved model trained on other data than the grader scores on (the release marker's
   ``settings.scoring_data``; the model's ``meta`` says what it was trained on);
3. writes ``submission_<student_id>.zip`` with exactly the files the grader reads: every
   ``assignments/NN_name/NN_name.ipynb``, the modules ``classifiers/chapter3/*.py`` and
   ``assignments/*/best_model.npz`` if you saved one. Never data sets, caches or checkpoints.

Warnings do not stop it (exit code 0). It refuses (exit code 1, nothing written) when a file is a symbolic link or
the zip would be too large, and when the student id is not letters, digits, ``-``, ``_`` and ``.`` (exit code 2).
Only the standard library is used here; the checks themselves need the course's packages (numpy, ...).
"""
import argparse
import ast
import io
import json
import os
import re
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path, PurePosixPath

ROOT = Path(os.path.abspath(__file__)).parent
MARKER = ".chapter3-release"  # written by the course's release: says which files belong to it
MB = 1 << 20
# The course's facts (grading/facts.py on the teacher's side). A release writes them into its marker under "facts"
# and course_facts() reads them from there; these values are only the fallback for a tree without a marker.
DEFAULT_FACTS = {
    "package": "classifiers/chapter3",  # the modules the grader reads
    "model_file": "best_model.npz",
    "student_id": r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",  # the grader's rule for ids
    "caps": {"module": 1 * MB, "notebook": 20 * MB, "model": 40 * MB},  # what the grader reads of one file
    "submission_cap": 64 * MB,  # all files together, before compression
    "languages": ["zh", "en"],
    "default_language": "zh",
}
CHECKS_TIMEOUT = 600  # seconds for all visible checks
# What a written answer's cell holds until the student answers: nbgrader's text stub (the release may set its own,
# listed here as well).
ANSWER_STUBS = ("YOUR ANSWER HERE", "在这里写下你的答案。")
DATA_SETS = ("cifar10", "embedded")  # the values of best_model.npz's meta["data"] and of settings.scoring_data
META_LIMIT = 64 * 1024

TEXT = {
    "en": {
        "bad_id": "Invalid student id {sid!r}: use letters, digits, '-', '_' and '.' only (at most 64 characters, "
                  "starting with a letter or digit), e.g. python collect_submission.py s1234567",
        "not_course": "collect_submission.py must stay in the course folder, next to assignments/ and classifiers/ "
                      "(nothing of the course was found in {root}).",
        "symlink": "{rel} is a symbolic link. Replace it with the real file (copy the file itself), then run this "
                   "again. Nothing was written.",
        "not_file": "{rel} is not a regular file. Nothing was written.",
        "too_big": "{rel} is {size}; the limit for one {kind} is {limit}. {advice} Nothing was written.",
        "too_big_total": "All files together are {size}; the limit is {limit}. The largest: {largest}. "
                         "Nothing was written.",
        "advice_notebook": "Clear the outputs of cells that print or plot a lot (or lower what they print), "
                           "restart and run all, save, and try again.",
        "advice_model": "Save a smaller model (fewer or narrower hidden layers).",
        "advice_module": "A module should hold code only: remove any data you pasted into it.",
        "kind_notebook": "notebook", "kind_module": "module", "kind_model": "saved model",
        "checks_head": "Running the visible checks of every notebook (the same tables as each notebook's last "
                       "cell) ...",
        "checks_failed": "The visible checks stopped with an error (see above): an error in one of your modules? "
                         "Your files are handed in all the same.",
        "checks_timeout": "The visible checks did not finish within {seconds} s (an endless loop?). Your files are "
                          "handed in all the same.",
        "checks_skipped": "Visible checks skipped (--no-checks).",
        "missing": "{rel} is missing: it counts as not done.",
        "not_run": "Not run yet (no outputs saved): {names}. If you worked on them: Kernel > Restart Kernel and "
                   "Run All Cells, then save (Ctrl+S).",
        "out_of_order": "{rel} was not run top to bottom (cells ran out of order or were skipped): Kernel > "
                        "Restart Kernel and Run All Cells, then save.",
        "stopped": "{rel}: Run All stopped at cell [{count}] with {error}. Fine if that part is unfinished; "
                   "otherwise fix it, restart and run all, then save.",
        "no_outputs": "{rel} has no outputs: run all cells and save (Ctrl+S) before collecting.",
        "unreadable_nb": "{rel} cannot be read as a notebook ({why}): the grader will show the released notebook "
                         "instead of yours.",
        "stubs": "{rel}: still NotImplementedError in {names}.",
        "syntax": "{rel} has a syntax error at line {line} ({msg}): nothing in it can earn points until it is "
                  "fixed.",
        "extra": "{rel} is not handed in: the grader only reads the course's modules ({modules}). Put your code "
                 "into those.",
        "unanswered": "{rel}: {count} written question(s) not answered yet (the cell still says \"{stub}\"): "
                      "{where}.",
        "model_data": "{rel} was trained on {trained}, but your teacher's grader scores it on {scoring}, where it "
                      "will reach a very low accuracy. Run the training cell of notebook 05 again on {scoring} (it "
                      "saves the better model), then collect again.",
        "model_no_meta": "{rel} does not record what data it was trained on (an older notebook saved it). The "
                         "grader scores it on {scoring}: run the training cell of notebook 05 again on {scoring}, "
                         "then collect again.",
        "data_cifar10": "CIFAR-10", "data_embedded": "the small built-in data set (handwritten digits)",
        "summary": "{zip}: {count} files, {size} ({packed} zipped)",
        "warnings": "Warnings ({count}):",
        "no_warnings": "No warnings.",
        "written": "Written: {path}",
        "cannot_write": "Could not write {path}: {error}. Choose another folder with --out FOLDER.",
        "upload": "Upload this file where your teacher collects the work. Run this command again after any "
                  "change: the zip is a copy of your files as they are now.",
    },
    "zh": {
        "bad_id": "学号 {sid!r} 无效：只能使用字母、数字、'-'、'_' 和 '.'（最多 64 个字符，以字母或数字开头），"
                  "例如 python collect_submission.py s1234567",
        "not_course": "collect_submission.py 必须放在课程文件夹中，与 assignments/ 和 classifiers/ 并列"
                      "（在 {root} 中没有找到课程文件）。",
        "symlink": "{rel} 是符号链接。请用真实文件替换它（复制文件本身），然后重新运行。没有写入任何文件。",
        "not_file": "{rel} 不是普通文件。没有写入任何文件。",
        "too_big": "{rel} 大小为 {size}；单个{kind}的上限是 {limit}。{advice}没有写入任何文件。",
        "too_big_total": "所有文件合计 {size}，上限是 {limit}。最大的文件：{largest}。没有写入任何文件。",
        "advice_notebook": "清除大量打印或绘图的单元格的输出（或减少输出），重启并运行全部单元格，保存后再试。",
        "advice_model": "请保存一个更小的模型（更少或更窄的隐藏层）。",
        "advice_module": "模块里只应有代码：请删除粘贴进去的数据。",
        "kind_notebook": "笔记本", "kind_module": "模块", "kind_model": "模型文件",
        "checks_head": "正在运行每个笔记本的可见检查（与每个笔记本最后一个单元格的表格相同）……",
        "checks_failed": "可见检查因错误而中止（见上方）：是不是你的某个模块有错误？你的文件仍会照常打包。",
        "checks_timeout": "可见检查没有在 {seconds} 秒内结束（死循环？）。你的文件仍会照常打包。",
        "checks_skipped": "已跳过可见检查（--no-checks）。",
        "missing": "缺少 {rel}：按未完成计。",
        "not_run": "尚未运行（没有保存的输出）：{names}。如果你做过这些练习：Kernel > Restart Kernel and Run All "
                   "Cells，然后保存（Ctrl+S）。",
        "out_of_order": "{rel} 没有从上到下依次运行（单元格运行顺序错乱或有遗漏）：Kernel > Restart Kernel and "
                        "Run All Cells，然后保存。",
        "stopped": "{rel}：Run All 在单元格 [{count}] 处因 {error} 停止。如果那部分还没完成，这没有问题；"
                   "否则请改正后重启并运行全部单元格，再保存。",
        "no_outputs": "{rel} 没有任何输出：打包前请运行全部单元格并保存（Ctrl+S）。",
        "unreadable_nb": "{rel} 无法作为笔记本读取（{why}）：评分时将显示发布版笔记本而不是你的笔记本。",
        "stubs": "{rel}：{names} 仍然抛出 NotImplementedError。",
        "syntax": "{rel} 第 {line} 行有语法错误（{msg}）：改正之前其中的任何内容都不能得分。",
        "extra": "{rel} 不会被提交：评分只读取课程的模块（{modules}）。请把代码写进这些模块。",
        "unanswered": "{rel}：还有 {count} 道书面题没有作答（单元格里仍是“{stub}”）：{where}。",
        "model_data": "{rel} 是在{trained}上训练的，但老师的评分机器在{scoring}上给它打分，在那里它只能得到很低的"
                      "正确率。请用{scoring}重新运行笔记本 05 的训练单元格（它会保存更好的模型），再打包。",
        "model_no_meta": "{rel} 没有记录它是用什么数据训练的（由旧版笔记本保存）。评分机器用{scoring}打分："
                         "请用{scoring}重新运行笔记本 05 的训练单元格，再打包。",
        "data_cifar10": "CIFAR-10 数据集", "data_embedded": "内置的小数据集（手写数字）",
        "summary": "{zip}：{count} 个文件，{size}（压缩后 {packed}）",
        "warnings": "警告（{count} 条）：",
        "no_warnings": "没有警告。",
        "written": "已写入：{path}",
        "cannot_write": "无法写入 {path}：{error}。请用 --out 文件夹 指定另一个位置。",
        "upload": "请把这个文件上传到老师收作业的地方。之后若有修改，请重新运行本命令：zip 是你的文件此刻的副本。",
    },
}


class Refusal(Exception):
    """The zip is not written; the message says why and what to do."""


# ----------------------------------------------------------------------------------------------- the course
def release_marker(root):
    """The release marker's content (dict), or {} when it is missing or unreadable."""
    path = root / MARKER
    try:
        if path.is_symlink() or not path.is_file():
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def course_facts(marker):
    """The course's facts: DEFAULT_FACTS with every value the marker's "facts" holds in the same shape instead
    (plus its "assignments" and "modules" lists, when it has them)."""
    given = marker.get("facts") if isinstance(marker.get("facts"), dict) else {}
    facts = {}
    for key, default in DEFAULT_FACTS.items():
        value = given.get(key)
        same_shape = type(value) is type(default) and (not isinstance(default, dict) or (
            value.keys() == default.keys() and all(type(v) is int and v > 0 for v in value.values())))
        facts[key] = value if same_shape else default
    try:
        re.compile(facts["student_id"])
    except re.error:
        facts["student_id"] = DEFAULT_FACTS["student_id"]
    for key in ("assignments", "modules"):
        value = given.get(key)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            facts[key] = value
    return facts


def course_layout(root, marker, facts=DEFAULT_FACTS):
    """(assignments, modules): the names of the notebooks and of the graded modules of this course.

    Taken from the course facts of the release marker, else from the files it lists; without a marker, from the
    folders: ``assignments/NN_name/`` and the ``.py`` files of ``classifiers/chapter3`` (``__init__.py`` is given
    code, never graded).
    """
    if facts.get("assignments") and facts.get("modules"):
        return sorted(facts["assignments"]), sorted(set(facts["modules"]) - {"__init__.py"})
    package = facts["package"]
    listed = [f for f in marker.get("files", []) if isinstance(f, str)]
    assignments, modules = set(), set()
    for rel in listed:
        parts = PurePosixPath(rel).parts
        if len(parts) == 3 and parts[0] == "assignments" and parts[2] == f"{parts[1]}.ipynb":
            assignments.add(parts[1])
        elif len(parts) == 3 and "/".join(parts[:2]) == package and parts[2].endswith(".py"):
            modules.add(parts[2])
    if not assignments and (root / "assignments").is_dir():
        assignments = {p.name for p in (root / "assignments").iterdir() if re.fullmatch(r"\d\d_\w+", p.name)}
    if not modules and (root / package).is_dir():
        modules = {p.name for p in (root / package).glob("*.py")}
    modules.discard("__init__.py")
    return sorted(assignments), sorted(modules)


def language(root, marker, assignments, facts=DEFAULT_FACTS):
    """The release's language: the marker's, else the first notebook's ``set_language(...)``, else the course's
    default (zh)."""
    if marker.get("lang") in TEXT:
        return marker["lang"]
    for name in assignments:
        try:
            text = (root / "assignments" / name / f"{name}.ipynb").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        match = re.search(r'set_language\(\\?"(zh|en)\\?"\)', text)
        if match:
            return match.group(1)
    return facts["default_language"] if facts["default_language"] in TEXT else DEFAULT_FACTS["default_language"]


# ----------------------------------------------------------------------------------------------- the files
def wanted_files(assignments, modules, facts=DEFAULT_FACTS):
    """[(path relative to the course folder, kind, required)] of every file the grader reads."""
    out = [(f"assignments/{a}/{a}.ipynb", "notebook", True) for a in assignments]
    out += [(f"{facts['package']}/{m}", "module", True) for m in modules]
    out += [(f"assignments/{a}/{facts['model_file']}", "model", False) for a in assignments]
    return out


def _size(n):
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.1f} kB"


def gather(root, wanted, t, facts=DEFAULT_FACTS):
    """(files, missing): files is [(rel, kind, bytes, mtime)] read without following links.

    Raises Refusal for a link (the file or a folder on its way), a file that is not regular, a file over its cap
    (``facts["caps"]``) or a total over ``facts["submission_cap"]``.
    """
    files, missing = [], []
    for rel, kind, required in wanted:
        path = root / rel
        for depth in range(1, len(PurePosixPath(rel).parts) + 1):
            part = root.joinpath(*PurePosixPath(rel).parts[:depth])
            if part.is_symlink():
                raise Refusal(t["symlink"].format(rel=PurePosixPath(*PurePosixPath(rel).parts[:depth])))
        if not os.path.lexists(path):
            if required:
                missing.append(rel)
            continue
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            raise Refusal(t["not_file"].format(rel=rel))
        limit = facts["caps"][kind]
        if st.st_size > limit:
            raise Refusal(t["too_big"].format(rel=rel, size=_size(st.st_size), kind=t[f"kind_{kind}"],
                                              limit=_size(limit), advice=t[f"advice_{kind}"]))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as f:
            data = f.read(limit + 1)
        if len(data) > limit:  # grew since it was looked at
            raise Refusal(t["too_big"].format(rel=rel, size=_size(len(data)), kind=t[f"kind_{kind}"],
                                              limit=_size(limit), advice=t[f"advice_{kind}"]))
        files.append((rel, kind, data, st.st_mtime))
    total = sum(len(data) for _, _, data, _ in files)
    if total > facts["submission_cap"]:
        largest = sorted(files, key=lambda f: -len(f[2]))[:3]
        raise Refusal(t["too_big_total"].format(size=_size(total), limit=_size(facts["submission_cap"]),
                                                largest=", ".join(f"{r} ({_size(len(d))})" for r, _, d, _ in largest)))
    return files, missing


# ----------------------------------------------------------------------------------------------- warnings
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


def run_checks(root, t, timeout=CHECKS_TIMEOUT):
    """Run ``python -m utils.progress`` (every notebook's table of visible checks); a warning or None."""
    print(t["checks_head"], flush=True)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    try:
        done = subprocess.run([sys.executable, "-m", "utils.progress"], cwd=root, env=env, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return t["checks_timeout"].format(seconds=timeout)
    except OSError:
        return t["checks_failed"]
    return None if done.returncode == 0 else t["checks_failed"]


# ----------------------------------------------------------------------------------------------- the zip
def write_zip(path, files):
    """Write the files into the zip at ``path`` (all of it or nothing: a temporary file renamed at the end)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, strict_timestamps=False) as z:
            for rel, _, data, mtime in files:
                info = zipfile.ZipInfo(rel, date_time=time.localtime(max(mtime, 315532800))[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path.stat().st_size


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python collect_submission.py",
                                     description="Hand in your work as submission_<student_id>.zip.")
    parser.add_argument("student_id", help="your student id (letters, digits, - _ .)")
    parser.add_argument("--out", metavar="FOLDER", help="where the zip goes (default: the course folder)")
    parser.add_argument("--no-checks", action="store_true", help="do not run the visible checks first")
    parser.add_argument("--lang", choices=sorted(TEXT), help="language of the messages (default: the course's)")
    args = parser.parse_args(argv)

    root = ROOT
    marker = release_marker(root)
    facts = course_facts(marker)
    assignments, modules = course_layout(root, marker, facts)
    t = TEXT[args.lang or language(root, marker, assignments, facts)]
    if not re.fullmatch(facts["student_id"], args.student_id):
        print(t["bad_id"].format(sid=args.student_id), file=sys.stderr)
        return 2
    if not assignments and not modules:
        print(t["not_course"].format(root=root), file=sys.stderr)
        return 1
    try:
        files, missing = gather(root, wanted_files(assignments, modules, facts), t, facts)
    except Refusal as exc:
        print(exc, file=sys.stderr)
        return 1

    warnings = [] if args.no_checks else [w for w in [run_checks(root, t)] if w]
    if args.no_checks:
        print(t["checks_skipped"])
    warnings += content_warnings(files, missing, t) + extra_modules(root, modules, t, facts)
    settings = marker.get("settings") if isinstance(marker.get("settings"), dict) else {}
    warnings += model_warnings(files, settings.get("scoring_data"), t)

    out_dir = Path(args.out) if args.out else root
    path = (out_dir / f"submission_{args.student_id}.zip").absolute()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        packed = write_zip(path, files)
    except OSError as exc:
        print(t["cannot_write"].format(path=path, error=exc), file=sys.stderr)
        return 1

    print()
    print(t["summary"].format(zip=path.name, count=len(files), size=_size(sum(len(d) for _, _, d, _ in files)),
                              packed=_size(packed)))
    width = max((len(rel) for rel, *_ in files), default=0)
    for rel, _, data, _ in files:
        print(f"  {rel:<{width}}  {_size(len(data)):>9}")
    print()
    if warnings:
        print(t["warnings"].format(count=len(warnings)))
        for line in warnings:
            print(f"  ! {line}")
    else:
        print(t["no_warnings"])
    print()
    print(t["written"].format(path=path))
    print(t["upload"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
