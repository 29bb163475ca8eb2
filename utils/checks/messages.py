"""What a check says, in 简体中文 and English: one table, one function, and the hint for the kind of mistake."""
import numpy as np

from .engine import located, unlocated
from .status import Status

TEXT = {
    "en": {
        Status.PASSED: "✔ {grade_id}: all checks passed.",
        Status.NOT_ATTEMPTED: "… {grade_id}: not attempted yet — {stub} still raises NotImplementedError. "
                              "Write it in classifiers/chapter3/.",
        "no file": "… {grade_id}: not attempted yet — there is no {target} next to this notebook. Run the cell "
                   "that trains the model and saves it.",
        Status.ERROR: "✘ {grade_id}: calling {target} raised {error}",
        Status.FAILED: "✘ {grade_id}: {target} gives a wrong result.",
        "package": "✘ {grade_id}: {problem}",
        "syntax": "{file} has a syntax error at line {line} ({message}). This check would have used "
                  "the old code, from before your last change: fix that line, save, and run the check again.",
        "stale": "{file} changed since it was imported, and the code this check would run is the old "
                 "one. Run the notebook's import cell again (it reloads your modules), or restart the kernel "
                 "(Kernel > Restart Kernel) and run the cells from the top.",
        "import": "importing classifiers.chapter3 raised {error}. Fix that, save, and run the "
                  "import cell and this check again.",
        "missing": "  - output `{name}` is missing",
        "shape": "  - `{name}` has shape {got}, expected {expected}",
        "dtype": "  - `{name}` has dtype {got}, expected {expected}",
        "finite": "  - `{name}` contains NaN or inf",
        "value": "  - `{name}` is off: relative error {error:.2e} (allowed {rtol:.0e}); at index {index} "
                 "got {got:.8g}, expected {expected:.8g}",
        "judge": "  - {text}",
        "hint": "  Hint: {hint}",
        "warning": "  Note: your code warned: {text}",
        "assert": "{grade_id} did not pass (see the messages above).",
        "hidden passed": "✔ {grade_id}: hidden tests passed.",
        "demo not written": "… {function} is not written yet; the check below says what to do.",
        "demo error": "✘ this demo stopped: {error} (in {function}, {file}:{line}). The check below says what is "
                      "wrong.",
        "demo error here": "✘ this demo stopped: {error}. The check below says what is wrong.",
        "demo old code": "✘ this demo runs old code: {problem}",
        "where": "{error} (in {function}, {file}:{line})",
    },
    "zh": {
        Status.PASSED: "✔ {grade_id}：全部检查通过。",
        Status.NOT_ATTEMPTED: "… {grade_id}：尚未完成——{stub} 仍然抛出 NotImplementedError。"
                              "请在 classifiers/chapter3/ 中实现它。",
        "no file": "… {grade_id}：尚未完成——本笔记本所在的文件夹里还没有 {target}。请运行训练并保存模型的单元格。",
        Status.ERROR: "✘ {grade_id}：调用 {target} 时出错：{error}",
        Status.FAILED: "✘ {grade_id}：{target} 的结果不正确。",
        "package": "✘ {grade_id}：{problem}",
        "syntax": "{file} 第 {line} 行有语法错误（{message}）。这次检查用的会是你上次修改之前的旧代码："
                  "请改正那一行并保存，然后重新运行检查。",
        "stale": "{file} 在导入之后被修改过，这次检查运行的会是旧代码。请重新运行笔记本开头导入模块的"
                 "单元格（它会重新加载你的模块），或者重启内核（Kernel > Restart Kernel）后从头运行各单元格。",
        "import": "导入 classifiers.chapter3 时出错：{error}。请改正并保存，然后重新运行导入单元格和"
                  "这个检查。",
        "missing": "  - 缺少输出 `{name}`",
        "shape": "  - `{name}` 的形状是 {got}，应为 {expected}",
        "dtype": "  - `{name}` 的数据类型是 {got}，应为 {expected}",
        "finite": "  - `{name}` 含有 NaN 或 inf",
        "value": "  - `{name}` 的数值不对：相对误差 {error:.2e}（允许 {rtol:.0e}）；在下标 {index} 处"
                 "得到 {got:.8g}，应为 {expected:.8g}",
        "judge": "  - {text}",
        "hint": "  提示：{hint}",
        "warning": "  注意：你的代码发出了警告：{text}",
        "assert": "{grade_id} 未通过（见上方信息）。",
        "hidden passed": "✔ {grade_id}：隐藏测试通过。",
        "demo not written": "… {function} 还没有实现；下方的检查会告诉你该做什么。",
        "demo error": "✘ 演示没有运行完：{error}（在 {function}，{file}:{line}）。下方的检查会说明哪里错了。",
        "demo error here": "✘ 演示没有运行完：{error}。下方的检查会说明哪里错了。",
        "demo old code": "✘ 这个演示运行的是旧代码：{problem}",
        "where": "{error}（在 {function}，{file}:{line}）",
    },
}

# The hint for each kind of mistake; "value" and "judge" use the case's own hint (how to compute it right).
KIND_HINTS = {
    "en": {
        "exception": "the error was raised in {function} ({file}, line {line}), so the check saw no result at all. "
                     "Fix that line first: print the shapes of the arrays it uses and compare them with the "
                     "docstring.",
        "returned": "{target} returned something the check cannot use (it raised while the check unpacked or read "
                    "the result): return exactly what the docstring's Returns section lists, in that order.",
        "missing": "return every output the docstring lists, under the names it gives.",
        "shape": "`{name}` has the wrong shape, so its values were not even compared: look for a missing reshape, "
                 "a transpose (.T), the axis= of a sum or mean, or keepdims=.",
        "dtype": "keep the input's dtype (float32 in, float32 out): no np.zeros(shape) without dtype=, no float64 "
                 "constant arrays, no .astype(np.float64).",
        "finite": "NaN or inf in `{name}`: look for exp of a large number (overflow), log(0), or a division by 0.",
        "changed input": "your function changed its input array in place (`{name}` is that array after the call): "
                         "compute into a new array instead, e.g. with an expression (x - m, np.maximum(x, 0)) or on "
                         "a copy (x.copy()).",
        "factor": "every entry of `{name}` is {factor:.6g} times the right value: a constant factor, such as a "
                  "division by N (the batch size) missing or done twice (mean instead of sum), a stray 2 or 0.5, "
                  "or a flipped sign.",
    },
    "zh": {
        "exception": "错误发生在 {function}（{file} 第 {line} 行），检查根本没有拿到结果。请先改正那一行："
                     "打印它用到的数组的形状，与文档字符串对照。",
        "returned": "{target} 返回的东西检查用不了（检查在拆包或读取结果时出错）：请严格按照文档字符串 Returns "
                    "部分列出的内容和顺序返回。",
        "missing": "请返回文档字符串列出的每一个输出，名字也要一致。",
        "shape": "`{name}` 的形状不对，所以还没有比较它的数值：检查是否漏了 reshape、多了或少了转置（.T），"
                 "求和或求平均时的 axis= 是否正确，是否需要 keepdims=。",
        "dtype": "保持输入的数据类型（输入 float32，输出也是 float32）：不要用不带 dtype= 的 np.zeros(shape)，"
                 "不要用 float64 的常数数组，也不要 .astype(np.float64)。",
        "finite": "`{name}` 中出现了 NaN 或 inf：检查是否对很大的数求了 exp（上溢）、求了 log(0) 或除以了 0。",
        "changed input": "你的函数原地修改了传入的数组（`{name}` 就是调用之后的这个数组）：请把结果算到一个新数组里，"
                         "例如用表达式（x - m、np.maximum(x, 0)）或者在副本（x.copy()）上计算。",
        "factor": "`{name}` 的每个元素都是正确值的 {factor:.6g} 倍：差了一个常数因子，例如漏了或多除了一次 N"
                  "（批量大小；用 mean 代替了 sum）、多乘或少乘了 2 或 0.5，或者符号反了。",
    },
}


def say(lang, key, **params):
    """The message ``key`` in ``lang`` with ``params`` filled in (indices shown as tuples of ints)."""
    if "index" in params:
        params["index"] = tuple(int(i) for i in np.atleast_1d(params["index"]))
    return TEXT[lang][key].format(**params)


def hint_kind(status, problems=(), error=""):
    """The kind of mistake a failed or erroring case shows, which picks its hint.

    One of "exception" (raised in the student's function), "returned" (raised while the check read what the
    function returned), "missing", "shape", "finite", "dtype", "factor" (right up to a constant factor), "value"
    (wrong numbers), or None when the case passed or was not attempted.
    """
    if status == Status.ERROR:
        return "exception" if located(error) else "returned"
    if status != Status.FAILED:
        return None
    kinds = [key for key, _ in problems]
    for kind in ("missing", "shape", "finite"):
        if kind in kinds:
            return kind
    values = [params for key, params in problems if key == "value"]
    if values and all(params["name"].endswith("_after") for params in values):
        return "changed input"
    if values and all(params.get("factor") is not None for params in values):
        return "factor"
    # wrong numbers matter more than a wrong dtype (a float64 result of right numbers is within a float32 rtol)
    return "dtype" if "dtype" in kinds and not values else "value"


def hint(lang, case_, status, problems=(), error=""):
    """The hint line for the kind of mistake (see :func:`hint_kind`), or None."""
    kind = hint_kind(status, problems, error)
    if kind is None:
        return None
    own = case_.kind_hints.get(kind, case_.hint if kind in ("value", "judge") else None)
    if own:
        return say(lang, "hint", hint=own[lang]) if own.get(lang) else None
    params = {"target": case_.target}
    if kind == "exception":
        params.update(zip(("function", "file", "line"), located(error), strict=True))
    else:
        first = next((p for key, p in problems if key == kind or (key == "value" and kind in ("factor",
                                                                                               "changed input"))), {})
        params.update(name=first.get("name", ""), factor=first.get("factor") or 0.0)
    return say(lang, "hint", hint=KIND_HINTS[lang][kind].format(**params))


def report(lang, case_, status, problems=(), error="", notes=()):
    """The lines a student reads for one case."""
    stub = error or case_.target  # for "not attempted", error names the function that raised
    key = "no file" if status == Status.NOT_ATTEMPTED and case_.reads_file else status
    place = located(error) if status == Status.ERROR else None
    shown = say(lang, "where", error=unlocated(error), **dict(zip(("function", "file", "line"), place, strict=True))) \
        if place else error
    lines = [say(lang, key, grade_id=case_.grade_id, target=case_.target, error=shown, stub=stub)]
    lines += [say(lang, key, **params) for key, params in problems]
    line = hint(lang, case_, status, problems, error)
    if line:
        lines.append(line)
    lines += [say(lang, "warning", text=text) for text in notes]
    return lines
