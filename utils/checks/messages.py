"""What a check says, in 简体中文 and English: one table, one function."""
import numpy as np

TEXT = {
    "en": {
        "passed": "✔ {grade_id}: all checks passed.",
        "not attempted": "… {grade_id}: not attempted yet — {stub} still raises NotImplementedError. "
                         "Write it in classifiers/chapter3/.",
        "no file": "… {grade_id}: not attempted yet — there is no {target} next to this notebook. Run the cell "
                   "that trains the model and saves it.",
        "error": "✘ {grade_id}: calling {target} raised {error}",
        "failed": "✘ {grade_id}: {target} gives a wrong result.",
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
    },
    "zh": {
        "passed": "✔ {grade_id}:全部检查通过。",
        "not attempted": "… {grade_id}:尚未完成 —— {stub} 仍然抛出 NotImplementedError。"
                         "请在 classifiers/chapter3/ 中实现它。",
        "no file": "… {grade_id}:尚未完成 —— 本笔记本所在的文件夹里还没有 {target}。请运行训练并保存模型的单元格。",
        "error": "✘ {grade_id}:调用 {target} 时出错:{error}",
        "failed": "✘ {grade_id}:{target} 的结果不正确。",
        "missing": "  - 缺少输出 `{name}`",
        "shape": "  - `{name}` 的形状是 {got},应为 {expected}",
        "dtype": "  - `{name}` 的数据类型是 {got},应为 {expected}",
        "finite": "  - `{name}` 含有 NaN 或 inf",
        "value": "  - `{name}` 的数值不对:相对误差 {error:.2e}(允许 {rtol:.0e});在下标 {index} 处"
                 "得到 {got:.8g},应为 {expected:.8g}",
        "judge": "  - {text}",
        "hint": "  提示:{hint}",
        "warning": "  注意:你的代码发出了警告:{text}",
        "assert": "{grade_id} 未通过(见上方信息)。",
        "hidden passed": "✔ {grade_id}:隐藏测试通过。",
        "demo not written": "… {function} 还没有实现；下方的检查会告诉你该做什么。",
        "demo error": "✘ 演示没有运行完：{error}（在 {function}，{file}:{line}）。下方的检查会说明哪里错了。",
    },
}


def say(lang, key, **params):
    """The message ``key`` in ``lang`` with ``params`` filled in (indices shown as tuples of ints)."""
    if "index" in params:
        params["index"] = tuple(int(i) for i in np.atleast_1d(params["index"]))
    return TEXT[lang][key].format(**params)


def report(lang, case_, status, problems=(), error="", notes=()):
    """The lines a student reads for one case."""
    stub = error or case_.target  # for "not attempted", error names the function that raised
    key = "no file" if status == "not attempted" and case_.reads_file else status
    lines = [say(lang, key, grade_id=case_.grade_id, target=case_.target, error=error, stub=stub)]
    lines += [say(lang, key, **params) for key, params in problems]
    if status in ("failed", "error") and case_.hint.get(lang):
        lines.append(say(lang, "hint", hint=case_.hint[lang]))
    lines += [say(lang, "warning", text=text) for text in notes]
    return lines
