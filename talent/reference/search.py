"""Finding persons by any part of a name or e-mail address, in any script, through an index.

PostgreSQL answers `ILIKE '%…%'` from trigram GIN indexes (pg_trgm) on the three columns. SQLite
has no such index: it keeps an FTS5 table with the trigram tokenizer, `persons_fts`, whose rows
mirror `persons` (external content, kept in step by triggers; both made by migration
1e28656d3df0). A quoted phrase matches there as a substring, with Unicode case folding.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, column, exists, or_, select, table

from talent.extensions import db
from talent.reference.models import Person

FTS_TABLE = "persons_fts"
# The trigram tokenizer indexes sequences of three characters: a shorter text cannot be looked up.
TRIGRAM = 3

_fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards taken literally (escape: backslash)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def person_matches(text: str, *, email: bool = True) -> ColumnElement[bool]:
    """Condition on `Person`: `text` occurs, whatever its case, in the Latin or native name (or the
    e-mail address, unless `email` is false)."""
    columns = _columns(email)
    if _is_indexed(text):
        return Person.id.in_(_fts_ids(text, columns))
    return _scan(text, columns)


def person_id_matches(person_id, text: str, *, email: bool = True) -> ColumnElement[bool]:
    """`person_matches` for a row that holds a person's id (`person_id`), without joining `persons`:
    on SQLite the FTS table then answers without a row of `persons` being read."""
    columns = _columns(email)
    if _is_indexed(text):
        return person_id.in_(_fts_ids(text, columns))
    return exists().where(Person.id == person_id, _scan(text, columns))


def _columns(email: bool) -> list:
    return [Person.name_latin, Person.name_native] + ([Person.email] if email else [])


def _is_indexed(text: str) -> bool:
    # PostgreSQL's trigram indexes serve ILIKE itself. On SQLite one or two characters cannot be
    # looked up: every candidate row is read (a list stops at its page's last match, in its order).
    return db.session.get_bind().dialect.name == "sqlite" and len(text) >= TRIGRAM


def _fts_ids(text: str, columns: list) -> Select:
    names = " ".join(c.key for c in columns)
    phrase = '"' + text.replace('"', '""') + '"'
    return select(_fts.c.rowid).where(_fts.c[FTS_TABLE].match(f"{{{names}}} : {phrase}"))


def _scan(text: str, columns: list) -> ColumnElement[bool]:
    pattern = contains_pattern(text)
    return or_(*(c.ilike(pattern, escape="\\") for c in columns))


def include_name(name: str | None, type_: str, parent_names) -> bool:
    """Alembic autogenerate: the FTS table and its shadow tables are not described by the models."""
    return not (type_ == "table" and name and (name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")))


def include_object_for(dialect_name: str):
    """Alembic autogenerate: leave out the model's indexes that exist on another database only
    (`Index(...).ddl_if(dialect=...)`), such as PostgreSQL's trigram indexes on SQLite."""

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        if type_ == "index" and not reflected and condition is not None and condition.dialect:
            wanted = condition.dialect
            return dialect_name == wanted if isinstance(wanted, str) else dialect_name in wanted
        return True

    return include_object
