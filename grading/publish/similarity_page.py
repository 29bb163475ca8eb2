"""The similarity report page: one self-contained HTML file (no script, no link outside it), zh or en."""
import html

from jinja2 import Environment, select_autoescape

LISTED = 1000  # rows of the page's table (a class of 300 has ~10^5 pairs that share some code)

TEXT = {
    "en": {
        "title": "Code similarity",
        "caveat": "Nothing on this page is an accusation by itself. Similar code has innocent causes: the code every "
                  "student was given, the hints in the notebooks, short functions that can only be written one way, "
                  "students who worked together as allowed. A high score says where to look; only a person who reads "
                  "both files, and talks to the students, can judge what happened.",
        "summary": "{students} students, {files} module files compared (files still identical to the release's "
                   "stub are left out, and the stubs' code is removed from every file), {archive} archive files; "
                   "{pairs} pairs share code, {flagged} of them {flag} or more.",
        "method": "Tool: copydetect {version} (winnowed fingerprints; names, strings and comments abstracted, so "
                  "renamed variables still match). similarity = the larger of the two shares of code found in the "
                  "other file.",
        "rank": "rank", "similarity": "similarity", "a": "A", "b": "B", "module": "module", "tokens": "shared tokens",
        "functions": "functions with shared code", "none": "No two files share code.",
        "shown": "The {shown} most similar pairs side by side.",
        "listed": "The table lists the {listed} most similar of the {pairs} pairs; pairs.csv lists them all.",
        "share": "{share:.0%} of this file's code is in the other one",
    },
    "zh": {
        "title": "代码相似度",
        "caveat": "本页内容本身不构成任何指控。代码相似可能有正当原因：所有学生拿到的相同代码、笔记本里的提示、只有一种"
                  "写法的短函数、按规定允许的合作。分数高只说明值得去看；只有读过两份文件并与学生交谈过的人，才能判断"
                  "究竟发生了什么。",
        "summary": "共 {students} 名学生、{files} 个模块文件参与比较（与发布版桩代码完全相同的文件不参与比较，"
                   "桩代码本身也已从每个文件中去除），另有 {archive} 个存档文件；"
                   "有 {pairs} 对文件存在相同代码，其中 {flagged} 对的相似度不低于 {flag}。",
        "method": "工具：copydetect {version}（对词法单元序列做 winnowing 指纹；变量名、字符串和注释都被抽象掉，"
                  "因此改了变量名照样能匹配）。相似度取两个方向中较大的一个：一个文件的代码有多大比例也出现在另一个"
                  "文件中。",
        "rank": "名次", "similarity": "相似度", "a": "A", "b": "B", "module": "模块", "tokens": "相同词法单元",
        "functions": "含相同代码的函数", "none": "没有任何两个文件存在相同代码。",
        "shown": "相似度最高的 {shown} 对文件并排显示如下。",
        "listed": "上表列出 {pairs} 对中相似度最高的 {listed} 对；pairs.csv 列出全部。",
        "share": "本文件 {share:.0%} 的代码也出现在另一个文件中",
    },
}

PAGE = """<!DOCTYPE html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}"><head><meta charset="utf-8">
<title>{{ t.title }}</title>
<style>
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; margin: 1.5em; color: #222; }
.caveat { border-left: 6px solid #c77c00; background: #fff6e5; padding: .6em 1em; max-width: 70em; }
table.pairs { border-collapse: collapse; margin: 1em 0; }
table.pairs td, table.pairs th { border: 1px solid #ccc; padding: .2em .5em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flagged td { background: #fdecea; }
.side { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1em; }
th { white-space: nowrap; }
pre { background: #f7f7f7; padding: .5em; overflow-x: auto; font-size: 12px; max-height: 40em; }
mark.a { background: #ffb3b3; } mark.b { background: #b3e6b3; }
h3 { margin-top: 2em; }
</style></head><body>
<h1>{{ t.title }}</h1>
<p class="caveat" id="caveat">{{ t.caveat }}</p>
<p>{{ summary }}</p>
<p>{{ method }}</p>
{% if not pairs %}<p>{{ t.none }}</p>{% else %}
<table class="pairs" id="pairs"><tr><th>{{ t.rank }}</th><th>{{ t.similarity }}</th><th>{{ t.a }}</th>
<th>{{ t.b }}</th><th>{{ t.module }}</th><th>{{ t.tokens }}</th><th>{{ t.functions }}</th></tr>
{% for p in pairs %}<tr class="{{ 'flagged' if p.flagged }}"><td class="num">
{% if p.shown %}<a href="#pair-{{ p.rank }}">{{ p.rank }}</a>{% else %}{{ p.rank }}{% endif %}</td>
<td class="num">{{ '%.2f' % p.similarity }}</td><td>{{ p.a }}</td><td>{{ p.b }}</td><td>{{ p.module }}</td>
<td class="num">{{ p.tokens }}</td><td>{{ p.functions }}</td></tr>
{% endfor %}</table>
{% if listed_text %}<p>{{ listed_text }}</p>{% endif %}
<p>{{ shown_text }}</p>
{% for p in pairs if p.shown %}
<h3 id="pair-{{ p.rank }}">{{ p.rank }}. {{ p.a }} — {{ p.b }} ({{ p.module }}, {{ '%.2f' % p.similarity }})</h3>
<div class="side">
<div><b>{{ p.a }}</b> · {{ p.share_a_text }}<pre>{{ p.code_a|safe }}</pre></div>
<div><b>{{ p.b }}</b> · {{ p.share_b_text }}<pre>{{ p.code_b|safe }}</pre></div>
</div>
{% endfor %}{% endif %}
</body></html>
"""


def highlighted(text, slices, css):
    """The file as escaped HTML with the matched slices wrapped in <mark class=css>."""
    from copydetect.utils import highlight_overlap

    if len(slices) == 0 or slices.shape[-1] == 0:
        return html.escape(text)
    return highlight_overlap(text, slices, f"<mark class='{css}'>", "</mark>", escape_html=True)[0]


def write_page(pairs, students, archive, path, lang="zh", shown=100, listed=LISTED, *, flag_at):
    """Write the report page for ``pairs`` (from grading.publish.similarity.compare) to ``path``: the table lists the
    ``listed`` most similar pairs, the ``shown`` most similar are shown side by side (the CSV has every pair);
    pairs from ``flag_at`` on (grading.publish.similarity.FLAG_AT) are marked."""
    from importlib.metadata import version

    t = TEXT[lang]
    files = sum(len(m) for m in students.values())
    flagged = sum(1 for p in pairs if p.similarity >= flag_at)
    view = []
    for rank, p in enumerate(pairs[:listed], 1):
        names = list(dict.fromkeys([*p.functions_a, *p.functions_b]))
        item = {"rank": rank, "similarity": p.similarity, "a": p.a.owner, "b": p.b.owner,
                "module": p.a.module or p.b.module, "tokens": p.tokens, "functions": ", ".join(names),
                "flagged": p.similarity >= flag_at, "shown": rank <= shown}
        if item["shown"]:
            item.update(code_a=highlighted(p.a.text, p.slices_a, "a"), code_b=highlighted(p.b.text, p.slices_b, "b"),
                        share_a_text=t["share"].format(share=p.share_a),
                        share_b_text=t["share"].format(share=p.share_b))
        view.append(item)
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    page = env.from_string(PAGE).render(
        lang=lang, t=t, pairs=view,
        summary=t["summary"].format(students=len(students), files=files, archive=len(archive), pairs=len(pairs),
                                    flagged=flagged, flag=f"{flag_at:.2f}"),
        method=t["method"].format(version=version("copydetect")),
        shown_text=t["shown"].format(shown=min(shown, len(pairs))),
        listed_text=t["listed"].format(listed=listed, pairs=len(pairs)) if len(pairs) > listed else "")
    path.write_text(page, encoding="utf-8")
