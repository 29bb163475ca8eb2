"""The class report page: one HTML file with its figures inside (base64 PNG, also written next to it), zh or en.

Figures are drawn with matplotlib's Agg backend; Chinese labels use WenQuanYi Micro Hei through matplotlib's font
fallback (DejaVu Sans first, so digits and Latin text keep their usual look).
"""
import base64
import io

from jinja2 import Environment, select_autoescape

from ..status import Status

TOP_KINDS = 3  # the most common failure kinds listed per cell

FONTS = ["DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC"]  # the installed ones are used

TEXT = {
    "en": {
        "title": "Class report", "students": "{n} students, {points} autograded points each.",
        "mean": "Total: mean {mean:.1f}, median {median:.1f}, min {min:g}, max {max:g}.",
        "source": "From the verdicts recorded in results/*.json; nothing was regraded. Written answers are graded "
                  "by hand in the formgrader and are not counted here.",
        "dist": "Score distribution", "overall": "Total", "count": "students", "points": "points",
        "cells": "Grade cells, hardest first", "cell": "grade cell", "earned": "earned by",
        "kinds": "most frequent failures (count, one example)", "share": "share of students who earned it",
        "skills": "Skills: grade cells rolled up to the function they test", "function": "function",
        "skill_points": "points earned / possible", "skill_all": "students with every cell",
        "unusual": "Students with an unusual status", "student": "student", "status": "status", "total": "total",
        "none": "None: every student's status is ok.", "example": "e.g. {student}:", "all_passed": "—",
        "skill_axis": "share of points earned",
        "late": "Late work", "notebook": "assignment", "due": "due (UTC)",
        "late_count": "late / students with a submission time",
        "late_note": "Days late per student, and the penalty when the course sets one, are in grades.csv.",
    },
    "zh": {
        "title": "班级报告", "students": "共 {n} 名学生，每人可自动评分的总分为 {points} 分。",
        "mean": "总分：平均 {mean:.1f}，中位数 {median:.1f}，最低 {min:g}，最高 {max:g}。",
        "source": "数据来自 results/*.json 中已记录的评分结果，没有重新评分。书面回答由教师在 formgrader 中人工评分，"
                  "不计入本报告。",
        "dist": "分数分布", "overall": "总分", "count": "学生数", "points": "分数",
        "cells": "评分单元（从最难到最易）", "cell": "评分单元", "earned": "得分人数",
        "kinds": "最常见的失败类型（次数，一条示例）", "share": "得分学生的比例",
        "skills": "技能：按所测试的函数汇总评分单元", "function": "函数",
        "skill_points": "所得分数 / 可得分数", "skill_all": "全部单元都得分的学生",
        "unusual": "状态异常的学生", "student": "学生", "status": "状态", "total": "总分",
        "none": "无：所有学生的状态都是 ok。", "example": "示例（{student}）：", "all_passed": "—",
        "skill_axis": "所得分数的比例",
        "late": "迟交", "notebook": "作业", "due": "截止时间（UTC）", "late_count": "迟交人数 / 有提交时间的学生数",
        "late_note": "每名学生的迟交天数（以及课程设置了扣分规则时的扣分）见 grades.csv。",
    },
}

# the graders' status words as the zh page names them (the en page shows them as recorded)
STATUS_ZH = {Status.FAILED: "结果错误", Status.ERROR: "出错", Status.NOT_ATTEMPTED: "未完成", Status.TIMEOUT: "超时",
             Status.MEMORY: "内存超限", Status.CRASH: "崩溃", Status.INVALID_OUTPUT: "输出无法读取",
             Status.NOT_RUN: "未运行"}

PAGE = """<!DOCTYPE html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}"><head><meta charset="utf-8"><title>{{ t.title }}</title>
<style>
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
td, th { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.bar { display: inline-block; height: .8em; background: #4c72b0; }
pre { margin: .2em 0; font-size: 11px; white-space: pre-wrap; max-width: 60em; }
img { max-width: 100%; }
</style></head><body>
<h1>{{ t.title }}</h1>
<p id="summary" data-n="{{ s.n }}" data-max-total="{{ s.max_total }}">{{ head }}<br>{{ mean }}</p>
<p>{{ t.source }}</p>
<h2>{{ t.dist }}</h2>
{% for fig in figures.dist %}<img class="figure" alt="{{ fig.alt }}" src="data:image/png;base64,{{ fig.data }}">
{% endfor %}
<h2>{{ t.cells }}</h2>
<img class="figure" alt="{{ figures.cells.alt }}" src="data:image/png;base64,{{ figures.cells.data }}">
{% for a, group in cells.items() %}<h3>{{ a }}</h3>
<table class="cells"><tr><th>{{ t.cell }}</th><th>{{ t.points }}</th><th>{{ t.earned }}</th><th>{{ t.share }}</th>
<th>{{ t.kinds }}</th></tr>
{% for c in group %}
<tr class="cell" data-grade-id="{{ c.grade_id }}" data-notebook="{{ a }}" data-passed="{{ c.passed }}">
<td><code>{{ c.grade_id }}</code></td><td class="num">{{ '%g' % c.points }}</td>
<td class="num">{{ c.passed }}/{{ s.n }}</td>
<td class="num"><span class="bar" style="width: {{ (100 * c.share(s.n))|round|int }}px"></span>
{{ pct(c.share(s.n)) }}</td>
<td>{% for kind, count in c.kinds.most_common(top) %}<div class="kind" data-count="{{ count }}">
<b>{{ count }}×</b> {{ label(kind) }}<pre>{{ example(c, kind) }}</pre></div>
{% else %}{{ t.all_passed }}{% endfor %}</td></tr>
{% endfor %}</table>
{% endfor %}
<h2>{{ t.skills }}</h2>
<img class="figure" alt="{{ figures.skills.alt }}" src="data:image/png;base64,{{ figures.skills.data }}">
<table id="skills"><tr><th>{{ t.function }}</th><th>{{ t.cell }}</th><th>{{ t.skill_points }}</th>
<th>{{ t.skill_all }}</th></tr>
{% for target, ids, earned, possible, every in s.skills %}
<tr class="skill" data-target="{{ target }}" data-earned="{{ earned }}" data-possible="{{ possible }}"
 data-every="{{ every }}">
<td><code>{{ target }}</code></td><td>{{ ids|join(', ') }}</td>
<td class="num">{{ '%g' % earned }} / {{ '%g' % possible }} ({{ pct(earned / possible if possible else 0) }})</td>
<td class="num">{{ every }}/{{ s.n }}</td></tr>{% endfor %}</table>
<h2>{{ t.unusual }}</h2>
{% if s.unusual %}<table id="unusual"><tr><th>{{ t.student }}</th><th>{{ t.status }}</th><th>{{ t.total }}</th></tr>
{% for sid, status, total in s.unusual %}<tr class="unusual" data-student="{{ sid }}"><td>{{ sid }}</td>
<td>{{ status }}</td><td class="num">{{ '%g' % total }}</td></tr>{% endfor %}</table>
{% else %}<p id="unusual">{{ t.none }}</p>{% endif %}
{% if s.late %}<h2>{{ t.late }}</h2>
<table id="late"><tr><th>{{ t.notebook }}</th><th>{{ t.due }}</th><th>{{ t.late_count }}</th></tr>
{% for a, counts in s.late.items() %}<tr class="late" data-notebook="{{ a }}" data-late="{{ counts[0] }}"
 data-timed="{{ counts[1] }}"><td>{{ a }}</td><td>{{ counts[2].strftime('%Y-%m-%d %H:%M') }}</td>
<td class="num">{{ counts[0] }}/{{ counts[1] }}</td></tr>{% endfor %}</table>
<p>{{ t.late_note }}</p>{% endif %}
</body></html>
"""


def hardest_first(cells):
    """{assignment: [CellStats]}: notebooks in course order, cells by share earned (then notebook order)."""
    out = {}
    for c in cells:
        out.setdefault(c.assignment, []).append(c)
    return {a: sorted(group, key=lambda c: c.passed) for a, group in out.items()}


def _png(fig, path):
    """Save ``fig`` to ``path`` and return its bytes as base64 text."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    path.write_bytes(buf.getvalue())
    return base64.b64encode(buf.getvalue()).decode("ascii")


def figures(stats, folder, t):
    """{dist: [figure], cells: figure, skills: figure}, each {alt, data}; the PNG files go into ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    plt.rcParams["font.family"] = [name for name in FONTS if name in installed] or ["sans-serif"]
    out = {"dist": []}
    fig, ax = plt.subplots(figsize=(6, 3))
    totals = list(stats.totals.values())
    ax.hist(totals, bins=np.linspace(0, max(stats.max_total, 1), 21), color="#4c72b0", edgecolor="white")
    ax.set(title=t["overall"], xlabel=t["points"], ylabel=t["count"])
    out["dist"].append({"alt": t["overall"], "data": _png(fig, folder / "total.png")})
    names = stats.notebooks
    if names:
        cols = min(4, len(names))
        rows = -(-len(names) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
        for ax, a in zip(axes.flat, names, strict=False):  # spare axes: off below
            top = max(stats.notebook_max[a], 1)
            ax.hist(list(stats.by_notebook[a].values()), bins=np.linspace(0, top, min(int(top), 20) + 1),
                    color="#55a868", edgecolor="white")
            ax.set_title(a, fontsize=9)
            ax.set_xlabel(t["points"], fontsize=8)
        for ax in list(axes.flat)[len(names):]:
            ax.axis("off")
        fig.tight_layout()
        out["dist"].append({"alt": t["dist"], "data": _png(fig, folder / "by_notebook.png")})
    ordered = [c for group in hardest_first(stats.cells).values() for c in group]
    fig, ax = plt.subplots(figsize=(7, 0.18 * len(ordered) + 1))
    shares = [c.share(stats.n) for c in ordered]
    notebooks = list(dict.fromkeys(c.assignment for c in ordered))
    colors = [plt.cm.tab10(notebooks.index(c.assignment) % 10) for c in ordered]
    ax.barh(range(len(ordered)), shares, color=colors)
    ax.set_yticks(range(len(ordered)), [c.grade_id for c in ordered], fontsize=7)
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel=t["share"], title=t["cells"])
    out["cells"] = {"alt": t["cells"], "data": _png(fig, folder / "cells.png")}
    fig, ax = plt.subplots(figsize=(7, 0.22 * len(stats.skills) + 1))
    ax.barh(range(len(stats.skills)), [e / p if p else 0 for _, _, e, p, _ in stats.skills], color="#c44e52")
    ax.set_yticks(range(len(stats.skills)), [s[0] for s in stats.skills], fontsize=8)
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel=t["skill_axis"], title=t["skills"])
    out["skills"] = {"alt": t["skills"], "data": _png(fig, folder / "skills.png")}
    return out


def render(stats, folder, lang):
    """The page's HTML text; the figures are also written to ``folder``."""
    import statistics

    t = TEXT[lang]
    totals = list(stats.totals.values()) or [0.0]

    def example(cell, kind):
        student, lines = cell.examples[kind]
        return t["example"].format(student=student) + "\n" + "\n".join(lines[:6])

    def label(kind):
        status, sep, detail = kind.partition(": ")
        if lang == "zh" and status in STATUS_ZH:
            return STATUS_ZH[status] + ("：" + detail if sep else "")
        return kind

    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(PAGE).render(label=label,
        lang=lang, t=t, s=stats, cells=hardest_first(stats.cells), figures=figures(stats, folder, t), top=TOP_KINDS,
        head=t["students"].format(n=stats.n, points=f"{stats.max_total:g}"),
        mean=t["mean"].format(mean=statistics.mean(totals), median=statistics.median(totals), min=min(totals),
                              max=max(totals)),
        pct=lambda x: f"{x:.0%}", example=example)
