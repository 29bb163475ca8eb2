"""The Chinese typography lint (grading/zh_lint.py): what it catches and what it leaves alone."""
import subprocess
import sys
from pathlib import Path

import pytest

from grading import zh_lint

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "solutions" / "notebooks").glob("*.py"))


def problems(text, **kw):
    """The messages of the problems in one piece of Markdown."""
    return [p.message for p in zh_lint.lint_pieces("x.md", zh_lint.markdown_pieces(text), **kw)]


def test_half_width_comma_in_a_chinese_sentence_is_caught():
    found = zh_lint.lint_pieces("x.md", zh_lint.markdown_pieces("第一行没问题。\n\n先算前向传播,再算反向传播。"))
    assert [(p.line, p.message) for p in found] == [(3, "half-width ',' in a Chinese sentence (use ，)")]
    assert "传播,再算" in found[0].snippet


@pytest.mark.parametrize("char, full", [(":", "："), (";", "；"), ("?", "？"), ("!", "！"), (".", "。")])
def test_each_half_width_mark_is_caught(char, full):
    assert problems(f"梯度为零{char}继续训练") == [f"half-width {char!r} in a Chinese sentence (use {full})"]


def test_half_width_brackets_and_straight_quotes_are_caught():
    found = problems('仿射层(全连接层)叫作"线性层"。')
    assert found.count("half-width '(' in a Chinese sentence (use （)") == 1
    assert found.count("half-width ')' in a Chinese sentence (use ）)") == 1
    assert found.count("half-width '\"' in a Chinese sentence (use “”)") == 2


def test_full_width_text_passes():
    assert problems("仿射层（全连接层）把输入展平，再乘以权重：$XW + b$。这叫“前向传播”吗？是的！") == []


@pytest.mark.parametrize("text", [
    "调用 `affine_forward(x, w, b)` 时，形状为 `(N, D)`。",    # code span
    "输出是 $\\text{out} = XW + b, \\; W \\in \\mathbb{R}^{D \\times M}$，偏置广播到每一行。",  # maths
    "两行公式：\n$$\\frac{\\partial L}{\\partial x} = (1, 2),\n\\quad y: z$$\n然后继续。",  # display maths
    "学习率取 1e-3，误差约 3.14，样本共 1,000 个，时间 16:45，正确率 52.5%。",  # numbers
    "打开 classifiers/chapter3/layers.py 中的 np.float64 与 x.reshape(x.shape[0], -1) 看看。",  # names
    "详见 https://d2l.ai/chapter_multilayer-perceptrons/mlp.html 一节。",  # URL
    "见[文档](https://nbgrader.readthedocs.io/en/stable/(x).html)。",  # link target
    "形状为 (N, d_1, ..., d_k) 的输入，对 l = 1..L 逐层计算。",  # tuples, ranges
    "```python\nx = f(a, b)  # 中文注释，没问题\n```\n代码之后。",  # fenced code
    "## 1. 前向传播\n\n1. 先展平；\n2. 再相乘。",  # enumerators
    "只能使用字母、数字、'-' 和 '.'（最多 64 个字符）。",  # quoted characters
])
def test_code_maths_numbers_and_names_are_left_alone(text):
    assert problems(text) == []


def test_english_sentences_are_left_alone_even_with_a_chinese_word():
    assert problems("Prose comes in 简体中文 and English, from one source. Really: (yes).") == []


def test_mixed_brackets_are_caught():
    assert "mixed full- and half-width brackets" in problems("仿射层（全连接层)很简单。")


def test_forbidden_variant_is_caught_and_names_our_term():
    found = problems("先把 $p$ 截断到区间内，再算二分类交叉熵。")
    assert "'截断' is not our term: write 裁剪 (clip)" in found
    assert "'二分类交叉熵' is not our term: write 二元交叉熵 (binary cross-entropy)" in found


def test_variant_regex_respects_the_longer_term():
    assert problems("超参数要在验证集上选。") == []
    assert problems("超参要在验证集上选。") == ["'超参' is not our term: write 超参数 (hyperparameter)"]


def test_first_use_without_gloss_is_reported_only_when_asked():
    text = "每个迭代周期（epoch）结束后评估。第二个迭代周期更好。学习率太大了。"
    assert problems(text) == []
    assert problems(text, glosses=True) == ["first use of 学习率 without its gloss 学习率（learning rate）"]


def test_ignore_marker_skips_a_line():
    assert problems("这里故意写错,示范一下。<!-- zh-lint: ignore -->") == []


def test_percent_source_skips_english_cells_and_reads_chinese_strings(tmp_path):
    source = tmp_path / "nb.py"
    source.write_text('# %% [markdown] lang="zh"\n# # 练习 1:仿射层\n\n'
                      '# %% [markdown] lang="en"\n# # Exercise 1: the affine layer, (really)\n\n'
                      '# %%\nx = 1  # 注释,有错\nprint("结果是:", x)\nprint("fine, english")\n', encoding="utf-8")
    found = zh_lint.lint_file(source)
    assert [(p.line, p.message[:13]) for p in found] == [
        (2, "half-width ':"), (8, "half-width ',"), (9, "half-width ':")]


def test_python_message_table_format_fields_are_left_alone(tmp_path):
    module = tmp_path / "messages.py"
    module.write_text('TEXT = {"zh": "相对误差 {error:.2e}(允许 {rtol:.0e})", "ok": "下标 {value[\'a\']:.3f}。"}\n',
                      encoding="utf-8")
    assert [p.message for p in zh_lint.lint_file(module)] == [
        "half-width '(' in a Chinese sentence (use （)", "half-width ')' in a Chinese sentence (use ）)"]


def test_ipynb_markdown_cells_are_read(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("没问题。"),
                                         nbformat.v4.new_markdown_cell("第一行\n\n这里有错,对吧")])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert [(p.line, p.snippet) for p in zh_lint.lint_file(path)] == [(3, "这里有错,对吧")]


def test_command_line_reports_file_and_line_and_exits_nonzero(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("好的。\n\n这里有错,真的。\n", encoding="utf-8")
    good = tmp_path / "good.md"
    good.write_text("这里没错，真的。\n", encoding="utf-8")
    script = ROOT / "grading" / "zh_lint.py"
    run = subprocess.run([sys.executable, str(script), str(bad), str(good)], capture_output=True, text=True,
                         cwd=tmp_path)
    assert run.returncode == 1
    assert run.stdout.startswith(f"{bad}:3: half-width ','")
    assert subprocess.run([sys.executable, str(script), str(good)], cwd=tmp_path).returncode == 0


def test_glossary_holds_the_course_terms():
    terms = {t.zh: t for t in zh_lint.read_glossary()}
    for zh in ("迭代周期", "小批量随机梯度下降", "权重衰减", "多层感知机", "损失函数", "裁剪", "二元交叉熵", "学习率",
               "超参数", "验证集", "测试集", "训练集", "前向传播", "反向传播", "梯度检验", "数值梯度", "激活函数",
               "隐藏层", "仿射层", "权重初始化", "过拟合"):
        assert zh in terms, zh
    assert terms["迭代周期"].gloss == "迭代周期（epoch）"
    assert terms["权重衰减"].gloss == "权重衰减（L2 正则化）"


STUDENT_TEXTS = [ROOT / "grading" / "student_README.md", ROOT / "datasets" / "README.zh.md",
                 ROOT / "grading" / "student_files" / "collect" / "messages.py"]


@pytest.mark.parametrize("path", NOTEBOOKS + STUDENT_TEXTS, ids=[p.stem for p in NOTEBOOKS + STUDENT_TEXTS])
def test_notebook_sources_and_student_texts_pass(path):
    found = zh_lint.lint_file(path)
    assert found == [], "\n".join(map(str, found))


def test_subscripts_are_left_alone():
    assert problems("out[:, j] 正好是第 feature[j] 个特征，x[np.arange(N), y] 取出正确类别。") == []


def test_greek_function_names_count_as_maths():
    assert problems("σ(-x) = 1 - σ(x) 成立。") == []


def test_ascii_formulas_in_brackets_are_left_alone_but_chinese_asides_are_not():
    assert problems("梯度与 (p - y) / N 一致，裁剪到 (eps, 1 - eps)。") == []
    assert problems("先算梯度(见上文)。") != []


def test_a_line_break_between_chinese_characters_is_caught():
    found = zh_lint.lint_pieces("x.md", zh_lint.markdown_pieces("先算前向传播，\n再算反向传播。"))
    assert [(p.line, p.message, p.snippet) for p in found] == [
        (1, "line break inside a Chinese sentence renders as a space: join the lines", "先算前向传播，⏎再算反向传播。")]
    assert problems("先算**前向传播**\n再算反向传播。") != []


@pytest.mark.parametrize("text", [
    "先算前向传播 $x$\n再算反向传播。",  # a space belongs between maths and Chinese
    "第一段。\n\n第二段。",  # paragraphs
    "列表：\n\n- 第一项；\n- 第二项。",  # list items are blocks
    "## 标题\n正文。",  # a heading is a block
    "$$\na = b\n$$\n然后。",  # display maths
    "先下载 zip。\n<!-- lang: en -->",  # an HTML comment line (the student README's language switch)
])
def test_line_breaks_where_a_space_belongs_are_fine(text):
    assert problems(text) == []


def test_join_breaks_fixes_soft_line_breaks_in_a_percent_source(tmp_path):
    source = tmp_path / "nb.py"
    source.write_text('# %% [markdown] lang="zh"\n# 第一句，\n# 接着说。\n#   还有\n# $x$ 这里可以断行。\n\n'
                      '# %%\nx = 1\n', encoding="utf-8")
    assert zh_lint.main(["--join-breaks", str(source)]) == 0
    assert source.read_text(encoding="utf-8") == (
        '# %% [markdown] lang="zh"\n# 第一句，接着说。还有\n# $x$ 这里可以断行。\n\n# %%\nx = 1\n')


def test_first_use_counts_across_files_like_one_book_and_accepts_emphasis_and_english_glosses(tmp_path):
    first, second = tmp_path / "01.md", tmp_path / "02.md"
    first.write_text("## 学习率\n\n**学习率**（learning\nrate）要小。\n", encoding="utf-8")
    second.write_text("学习率太大了。过拟合也要注意。\n", encoding="utf-8")
    terms = zh_lint.read_glossary()
    found = zh_lint.first_use_problems([(str(p), zh_lint.file_pieces(p)) for p in (first, second)], terms)
    assert [(p.path, p.line, p.message) for p in found] == [
        (str(second), 1, "first use of 过拟合 without its gloss 过拟合（overfitting）")]
