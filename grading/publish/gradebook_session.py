"""How record_many (grading/publish/gradebook.py) talks to nbgrader's gradebook without paying for it per cell.

- open_gradebook: nbgrader's Gradebook on one database engine per URL, kept by the process (statements compiled
  once), connecting anew for each session;
- one_transaction: nbgrader's gradebook methods commit after each change; a student's records commit once;
- Definitions: the assignments' notebooks and cells loaded in a few queries, answering the per-cell lookups of
  nbgrader's OverwriteCells and OverwriteKernelspec for one record_many call;
- sharing: hands nbgrader's preprocessors those Definitions, and its metadata validator a jsonschema that remembers
  the metadata it has seen pass (students repeat the release's).

Everything nbgrader decides stays nbgrader's: its preprocessors run unchanged on what these return.
"""
import contextlib

from ..config import COURSE_ID

_ENGINES = {}  # url -> the engine record_many's gradebooks use, the most recently used last
_ENGINES_KEPT = 4


def open_gradebook(url):
    """nbgrader's Gradebook for ``url``, on the engine this process keeps for that URL (call under record_many's
    lock): a new engine would compile every statement again. It connects anew for each session (NullPool), as a
    new engine does, so a gradebook file replaced by a rebuild is the one opened next."""
    from nbgrader import api
    from sqlalchemy.pool import NullPool

    engine = _ENGINES[url] = _ENGINES.pop(url, None) or api.create_engine(url, future=True, poolclass=NullPool)
    while len(_ENGINES) > _ENGINES_KEPT:
        del _ENGINES[next(iter(_ENGINES))]
    create_engine = api.create_engine
    api.create_engine = lambda db_url, *args, **kw: engine if db_url == url else create_engine(db_url, *args, **kw)
    try:
        return api.Gradebook(url, course_id=COURSE_ID)
    finally:
        api.create_engine = create_engine


@contextlib.contextmanager
def one_transaction(gb):
    """nbgrader's gradebook methods commit after each change; inside this block they only flush, and the block
    commits once at its end (or rolls everything back when it raises)."""
    session = gb.db
    session.commit = session.flush  # an attribute of this scoped_session only, removed below
    try:
        yield
    except BaseException:
        del session.commit
        session.rollback()
        raise
    del session.commit
    session.commit()


class Definitions:
    """The assignments' notebooks and cells, loaded into the gradebook's session in a few queries (nbgrader's
    add_submission and record_many's scores then find them there), and a gradebook for nbgrader's OverwriteCells
    and OverwriteKernelspec (see sharing) that answers their per-cell lookups from them. It lives for one
    record_many call, in its session, so it never holds a definition the gradebook no longer has.
    """

    def __init__(self, gb, assignments):
        from nbgrader.api import Assignment, BaseCell, Notebook
        from sqlalchemy.orm import selectinload, with_polymorphic

        # the definitions stay loaded past the scores' commit (the session ends with the record_many call)
        gb.db().expire_on_commit = False
        cells = with_polymorphic(BaseCell, "*")  # nbgrader's grade, solution and task cells: Notebook._base_cells
        self.gradebook = gb
        # the session holds its objects weakly: these references keep them (and their loaded cells) in it
        found = (gb.db.query(Assignment).filter(Assignment.name.in_(sorted(set(assignments))))
                 .options(selectinload(Assignment.notebooks).options(
                     selectinload(Notebook.source_cells), selectinload(Notebook._base_cells.of_type(cells)))).all())
        self.assignments = {a.name: a for a in found}
        self.notebooks, self.source, self.graded = {}, {}, {}
        for a in found:
            for nb in a.notebooks:
                self.notebooks[nb.name, a.name] = nb
                self.source.update({(c.name, nb.name, a.name): c for c in nb.source_cells})
                # find_graded_cell: the grade cell of that name, else the task cell
                self.graded.update({(c.name, nb.name, a.name): c for c in nb.task_cells})
                self.graded.update({(c.name, nb.name, a.name): c for c in nb.grade_cells})

    def _find(self, table, kind, *key):
        from nbgrader.api import MissingEntry

        if key not in table:
            raise MissingEntry(f"No such {kind}: {'/'.join(reversed(key))}")
        return table[key]

    def find_notebook(self, name, assignment):
        return self._find(self.notebooks, "notebook", name, assignment)

    def find_source_cell(self, name, notebook, assignment):
        return self._find(self.source, "source cell", name, notebook, assignment)

    def find_graded_cell(self, name, notebook, assignment):
        return self._find(self.graded, "graded cell", name, notebook, assignment)

    def __getattr__(self, name):
        return getattr(self.gradebook, name)

    def __enter__(self):  # nbgrader's preprocessors use their gradebook in a with block ...
        return self

    def __exit__(self, *exc):  # ... but closing this one is record_many's
        pass


class _RememberedSchema:
    """``jsonschema`` for nbgrader's metadata validator (``validate(metadata, schema)``, which checks the schema
    itself each time), remembering the (schema, metadata) pairs that passed: students repeat the release's
    metadata. A pair not seen passing (tampered metadata among them) is validated, and rejected, as always."""

    LIMIT = 20_000  # pairs remembered before starting over

    def __init__(self):
        import jsonschema

        self.jsonschema, self.passed, self.schema, self.schema_key = jsonschema, set(), None, None

    def validate(self, instance, schema, *args, **kwargs):
        key = _frozen(instance)
        if key is None or args or kwargs:
            return self.jsonschema.validate(instance, schema, *args, **kwargs)
        if schema is not self.schema:  # nbgrader reads its schema file once per validator
            self.schema, self.schema_key = schema, _frozen(schema)
        if (self.schema_key, key) not in self.passed:
            self.jsonschema.validate(instance, schema)
            if len(self.passed) >= self.LIMIT:
                self.passed.clear()
            self.passed.add((self.schema_key, key))
        return None

    def __getattr__(self, name):
        return getattr(self.jsonschema, name)


def _frozen(value):
    """A hashable copy of JSON data that tells its types apart (1, 1.0 and True differ), or None for anything
    else (it is then validated every time)."""
    if value is None or type(value) in (str, int, float, bool):
        return type(value).__name__, value
    if isinstance(value, dict) and all(type(k) is str for k in value):
        items = tuple(sorted((k, _frozen(v)) for k, v in value.items()))
        return None if any(v is None for _, v in items) else ("object", items)
    items = tuple(_frozen(v) for v in value) if isinstance(value, list) else (None,)
    return None if any(v is None for v in items) else ("array", items)


_REMEMBERED = _RememberedSchema()


@contextlib.contextmanager
def sharing(definitions):
    """nbgrader's OverwriteCells and OverwriteKernelspec open a Gradebook of their own for every notebook (a new
    database engine each) and query it per cell; within this block (under record_many's lock, the only place in
    this process that runs them) they are handed ``definitions`` instead, and nbgrader's metadata validator
    (CheckCellMetadata) remembers the metadata it has seen pass (_RememberedSchema)."""
    from nbgrader.nbgraderformat import common
    from nbgrader.preprocessors import overwritecells, overwritekernelspec

    modules = (overwritecells, overwritekernelspec)
    saved = [m.Gradebook for m in modules], common.jsonschema
    for m in modules:
        m.Gradebook = lambda *args, **kwargs: definitions
    common.jsonschema = _REMEMBERED
    try:
        yield
    finally:
        for m, original in zip(modules, saved[0], strict=True):
            m.Gradebook = original
        common.jsonschema = saved[1]
