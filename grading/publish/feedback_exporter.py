"""The exporter of feedback pages: nbconvert's "lab" page (HTMLExporter), cheaper for pages that are alike.

Input: a page notebook built by grading.publish.feedback.feedback_notebook (validated, every cell with its id, no
student markup left in it). Output: the page's HTML, the document nbconvert's HTMLExporter writes (tests hold it to
that: tests/test_feedback_exporter.py, tests/test_feedback_caches.py). One exporter per thread (``exporter()``) renders
every page of its page process and keeps what pages share.
"""
import json
import os
import re
import threading
from collections import OrderedDict
from functools import lru_cache

_local = threading.local()
# nbconvert's "lab" page with two blocks changed:
# - any_cell: a cell is rendered by nbconvert's block once per process; a cell seen before (the release's prose and
#   grade cells, the same on every page of an assignment) is the HTML rendered then (PageExporter._cell_html);
# - input: code is highlighted by Pygments and not bleached afterwards. Pygments' HTML formatter escapes every
#   character of the source that HTML gives a meaning to (& < > " '), so its output holds only its own
#   <span class="..."> markup; bleaching it (nbconvert's clean_html, html5lib) cost a third of a page's time and
#   changed nothing.
PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{% block any_cell scoped %}{{ cell | rendered_cell(super) }}{% endblock any_cell %}
{% block input %}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
     </div>
</div>
{%- endblock input %}
"""
NO_ALT = "No description has been provided for this image"  # nbconvert's words for an image without alt text
_FOCUSABLE = re.compile(r'<div class="((?:jp-Cell-inputWrapper|[^"<>]*\bjp-OutputArea-output)\b[^"<>]*)"')
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^<>]*\balt=)")
CACHED_SOURCES = 4096  # distinct markdown and code sources kept converted per process (the release's, mostly)
CACHED_CELL_CHARS = 8_000_000  # characters of rendered cells (and their keys) kept per page exporter


class CellCache:
    """HTML of cells rendered before, as tuples of strings, the least recently used dropped past ``chars``
    characters (keys included)."""

    def __init__(self, chars=CACHED_CELL_CHARS):
        self.chars, self.used, self.cells = chars, 0, OrderedDict()

    def get(self, key):
        parts = self.cells.get(key)
        if parts is not None:
            self.cells.move_to_end(key)
        return parts

    def put(self, key, parts):
        """Keep ``parts`` unless they would take over an eighth of the room."""
        size = len(key) + sum(map(len, parts))
        if size <= self.chars // 8:
            self.cells[key] = parts
            self.used += size
            while self.used > self.chars:
                old_key, old_parts = self.cells.popitem(last=False)
                self.used -= len(old_key) + sum(map(len, old_parts))


def exporter_class():
    """The page exporter's class, PageExporter (nbconvert is imported when a page is first rendered)."""
    from jinja2 import DictLoader, pass_context
    from nbconvert import HTMLExporter
    from nbconvert.exporters import Exporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class HandedOver(Exporter):
        """Exporter.from_notebook_node for a page handed over to the exporter: feedback_notebook built it for this
        render alone and validated it, so it is neither deep-copied (three times in nbconvert: from_notebook_node,
        _preprocess, nbformat's normalize), normalised (every cell has its id) nor validated again after the
        preprocessors, which run on it in place."""

        def from_notebook_node(self, nb, resources=None, **kw):
            resources = self._init_resources(resources)
            if "language" in nb["metadata"]:
                resources["language"] = nb["metadata"]["language"].lower()
            for preprocessor in self._preprocessors:
                nb, resources = preprocessor(nb, resources)
            metadata = resources.get("metadata", {})
            self._nb_metadata[os.path.join(metadata.get("path", ""), metadata.get("name", ""))] = nb.metadata
            return nb, resources

    class PageExporter(HTMLExporter, HandedOver):  # HandedOver comes between TemplateExporter and Exporter
        """The "lab" page of nbconvert's HTMLExporter, cheaper for pages that are alike.

        - PAGE_TEMPLATE: highlighted code is not bleached (see there);
        - the finished page is not parsed again with BeautifulSoup (HTMLExporter does so to give images their
          alt text and make cells focusable, about half of a page's time): the same attributes are set in each
          rendered cell by two substitutions on markup only the template writes (accessible);
        - a cell seen before is not rendered again (CellCache), and the release's prose and code, the same on
          every page of an assignment, are converted once per process;
        - the page is not copied nor validated again (HandedOver).
        """

        def __init__(self, **kw):
            super().__init__(template_name="lab", template_file="ch3_feedback.html.j2",
                             extra_loaders=[DictLoader({"ch3_feedback.html.j2": PAGE_TEMPLATE})], **kw)
            self._markdown = lru_cache(CACHED_SOURCES)(self._markdown_uncached)
            self._highlight = lru_cache(CACHED_SOURCES)(self._highlight_uncached)
            self._cells = CellCache()

        def _markdown_uncached(self, source, path):
            return HTMLExporter.markdown2html(self, {"resources": {"metadata": {"path": path}}}, source)

        def _highlight_uncached(self, source, lexer):
            return Highlight2HTML(pygments_lexer=lexer, parent=self)(source)

        @pass_context
        def markdown2html(self, context, source):
            if context.get("cell", {}).get("attachments"):
                return HTMLExporter.markdown2html(self, context, source)
            return self._markdown(source, context.get("resources", {}).get("metadata", {}).get("path", ""))

        def _cell_html(self, page, cell, block):
            """The HTML of ``cell`` (``block()`` renders it with nbconvert's any_cell block), rendered once per
            process. A cell's HTML depends on the cell, on the page's notebook metadata and path (lexer, widgets,
            links in markdown) and on the exporter's settings: the key holds the first two whole, as JSON, except
            the cell's id, which only the cell's opening tag shows (a cell moved down by a student's extra cell is
            still the same cell)."""
            anchor = f'<div id="cell-id={cell.id}" '
            key = page + json.dumps({**cell, "id": ""}, sort_keys=True, ensure_ascii=False)
            kept = self._cells.get(key)
            if kept is not None:
                return kept[0] + anchor + kept[1]
            rendered = accessible(str(block()))
            before, found, after = rendered.partition(anchor)
            if found and not before.strip():  # a cell as feedback_notebook makes them (others are not kept)
                self._cells.put(key, (before, after))
            return rendered

        def from_notebook_node(self, nb, resources=None, **kw):
            """HTMLExporter.from_notebook_node without its BeautifulSoup pass (see the class)."""
            info = nb.metadata.get("language_info", {})
            lexer = info.get("pygments_lexer", info.get("name", None))
            resources = self._init_resources(resources)
            # The page's cells are made by feedback_notebook and carry no metadata (no cell magics to highlight).
            self.register_filter("highlight_code", lambda source, metadata=None: self._highlight(source, lexer))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            page = json.dumps([nb.metadata, resources["metadata"].get("path", "")], sort_keys=True)
            self.register_filter("rendered_cell", lambda cell, block: self._cell_html(page, cell, block))
            body, resources = super(HTMLExporter, self).from_notebook_node(nb, resources, **kw)
            return body, resources

    return PageExporter


def accessible(cell_html):
    """A cell's HTML with the attributes HTMLExporter's BeautifulSoup pass would give it: inputs and outputs
    focusable, images described. Only the template writes markup here (any ``<`` of a student's is escaped)."""
    cell_html = _FOCUSABLE.sub(r'<div class="\1" tabindex="0"', cell_html)
    return _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT}"', cell_html)


def exporter():
    """This thread's page exporter, built once (a page process renders every page it is given with it)."""
    if not hasattr(_local, "exporter"):
        _local.exporter = exporter_class()()
    return _local.exporter
