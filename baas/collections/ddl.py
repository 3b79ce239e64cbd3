"""DDL for collection tables and views, as statements tagged with what they belong to.

Every identifier is quoted here; no user value is ever part of a statement except view queries
(superuser-written SQL, validated separately) and index WHERE literals (re-escaped by ``indexes``).
Type changes convert existing data with a ``USING`` expression; ``check`` queries find a value that
cannot be converted so the change is refused with a message naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from baas.collections.fields import Field
from baas.collections.indexes import (
    Index,
    InvalidIndexError,
    parse_index,
    postgres_ddl,
    rename_column,
    where_columns,
)
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.collections.validation import parsed_indexes
from baas.db.tables import DATA_SCHEMA

__all__ = [
    "ConversionRefusedError",
    "Statement",
    "alter_table",
    "create_table",
    "create_view",
    "drop_table",
    "drop_view",
    "quote",
    "rename_in_indexes",
    "rename_index",
    "table_ref",
]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_ref(name: str) -> str:
    return f"{quote(DATA_SCHEMA)}.{quote(name)}"


@dataclass(frozen=True)
class Statement:
    sql: str
    blame: tuple[str, ...] = ()  # where an error is reported, e.g. ("fields", "3", "type")
    # A query returning a value that makes ``sql`` impossible (conversions); run first.
    check: str = ""
    check_message: str = ""


class ConversionRefusedError(ValueError):
    """Existing data cannot be converted to the new field type (``position`` of the field)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


def _storage(field: Field) -> str:
    """The storage class of a field's column (conversions are defined between these)."""
    column = field.column_sql()
    if column.startswith("text"):
        if "[]" in column.split(" ", 1)[0]:
            return "array"
        return "text" if "NOT NULL" in column or "PRIMARY KEY" in column else "nullable_text"
    if column.startswith("double precision"):
        return "number"
    if column.startswith("boolean"):
        return "bool"
    if column.startswith("timestamptz"):
        return "date"
    if column.startswith("jsonb NOT NULL"):
        return "geo"
    if column.startswith("jsonb"):
        return "json"
    return column


def _column_type(field: Field) -> str:
    """The type part of a column definition (with its collation), e.g. ``text COLLATE "C"``."""
    column = field.column_sql()
    for stop in (" NOT NULL", " NULL", " DEFAULT", " PRIMARY KEY"):
        column = column.split(stop, 1)[0]
    return column


def _fk_name(field: Field) -> str:
    return quote(f"fk_{field.id}")


def _foreign_key(table: str, field: Field, schema: Schema) -> Statement | None:
    target_id = field.relation_collection_id
    if not target_id or field.is_multiple:
        return None
    target = schema.find(target_id)
    if target is None or target.is_view:
        return None
    # Deferred: deletes clear or cascade referencing rows first, in the same transaction.
    return Statement(
        f"ALTER TABLE {table_ref(table)} ADD CONSTRAINT {_fk_name(field)} FOREIGN KEY ({quote(field.name)}) "
        f"REFERENCES {table_ref(target.name)} (id) DEFERRABLE INITIALLY DEFERRED",
        blame=("fields",),
    )


def _index_statement(index: Index, collection: Collection, position: int) -> Statement:
    bools = frozenset(f.name for f in collection.fields if f.TYPE == "bool")
    return Statement(
        postgres_ddl(index, schema=DATA_SCHEMA, table=collection.name, bool_columns=bools),
        blame=("indexes", str(position)),
    )


def create_table(collection: Collection, schema: Schema) -> list[Statement]:
    columns = ['"_rowid" bigint GENERATED ALWAYS AS IDENTITY']
    columns += [f"{quote(f.name)} {f.column_sql()}" for f in collection.fields]
    statements = [Statement(f"CREATE TABLE {table_ref(collection.name)} ({', '.join(columns)})")]
    statements.append(
        Statement(f'CREATE INDEX {quote(f"_{collection.id}_rowid")} ON {table_ref(collection.name)} ("_rowid")')
    )
    for position, index in enumerate(parsed_indexes(collection)):
        statements.append(_index_statement(index, collection, position))
    for item in collection.fields:
        fk = _foreign_key(collection.name, item, schema)
        if fk:
            statements.append(fk)
    return statements


def drop_table(collection: Collection) -> Statement:
    return Statement(f"DROP TABLE {table_ref(collection.name)}")


def create_view(name: str, query: str) -> Statement:
    """``query`` is the normalised view query (no trailing semicolon)."""
    return Statement(f"CREATE VIEW {table_ref(name)} AS {query}", blame=("viewQuery",))


def drop_view(collection: Collection) -> Statement:
    return Statement(f"DROP VIEW {table_ref(collection.name)}")


def alter_table(old: Collection, new: Collection, old_schema: Schema, new_schema: Schema) -> list[Statement]:
    """Statements turning ``old``'s table into ``new``'s (rename, columns, indexes, foreign keys)."""
    statements: list[Statement] = []
    table = new.name
    if old.name != new.name:
        statements.append(Statement(f"ALTER TABLE {table_ref(old.name)} RENAME TO {quote(new.name)}", ("name",)))
    new_by_id = {f.id: f for f in new.fields}
    old_indexes = {i.name: i for i in parsed_indexes(old)}
    for index in old_indexes.values():
        statements.append(Statement(f"DROP INDEX {quote(DATA_SCHEMA)}.{quote(index.name)}"))
    for field in old.fields:
        if _foreign_key(old.name, field, old_schema) is not None:
            statements.append(Statement(f"ALTER TABLE {table_ref(table)} DROP CONSTRAINT {_fk_name(field)}"))
    for field in old.fields:
        if field.id not in new_by_id:
            statements.append(Statement(f"ALTER TABLE {table_ref(table)} DROP COLUMN {quote(field.name)}"))
    # Renames go through temporary names (never valid field names), so names can be swapped or reused.
    renamed = []
    for position, field in enumerate(new.fields):
        previous = old.get_field_by_id(field.id)
        if previous is not None and previous.name != field.name:
            temporary = quote(f"baas renaming {position}")
            blame = ("fields", str(position), "name")
            statements.append(
                Statement(f"ALTER TABLE {table_ref(table)} RENAME COLUMN {quote(previous.name)} TO {temporary}", blame)
            )
            renamed.append(
                Statement(f"ALTER TABLE {table_ref(table)} RENAME COLUMN {temporary} TO {quote(field.name)}", blame)
            )
    statements += renamed
    for position, field in enumerate(new.fields):
        previous = old.get_field_by_id(field.id)
        if previous is None:
            statements.append(
                Statement(
                    f"ALTER TABLE {table_ref(table)} ADD COLUMN {quote(field.name)} {field.column_sql()}",
                    ("fields", str(position)),
                )
            )
            continue
        statements += _convert(table, previous, field, position)
    for position, index in enumerate(parsed_indexes(new)):
        statements.append(_index_statement(index, new, position))
    for field in new.fields:
        fk = _foreign_key(table, field, new_schema)
        if fk:
            statements.append(fk)
    return statements


def rename_in_indexes(old: Collection | None, new: Collection) -> list[str]:
    """``new``'s index definitions pointed at its own table, following renames of indexed fields.

    Like PocketBase, a definition naming another table (e.g. the collection's previous name) is
    rewritten in canonical form, the others are kept as written. PocketBase does not follow field
    renames; doing it saves the client from resending every index that mentions a renamed field.
    """
    renamed = {}
    for field in new.fields:
        previous = old.get_field_by_id(field.id) if old is not None else None
        if previous is not None and previous.name != field.name:
            renamed[previous.name] = field.name
    names = {f.name for f in new.fields}
    result = []
    for text in new.indexes:
        try:
            index = parse_index(text)
        except InvalidIndexError:
            result.append(text)  # validation reports it
            continue
        used = {*index.column_names, *where_columns(index)}
        followed = [before for before in renamed if before in used and before not in names]
        if not followed and index.table.lower() == new.name.lower():
            result.append(text)
            continue
        for before in followed:
            index = rename_column(index, before, renamed[before])
        result.append(index.with_table(new.name).to_pocketbase())
    return result


def rename_index(text: str, old_id: str, new_id: str) -> str:
    """``text`` with ``old_id`` replaced by ``new_id`` in the index name (rebuilt only when it changes)."""
    try:
        index = parse_index(text)
    except InvalidIndexError:
        return text
    if old_id not in index.name:
        return text
    return replace(index, name=index.name.replace(old_id, new_id)).to_pocketbase()


_NUMBER_TEXT = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"


def _convert(table: str, old: Field, new: Field, position: int) -> list[Statement]:
    before, after = _storage(old), _storage(new)
    if before == after:
        return []
    column = quote(new.name)
    using, check = _conversion(before, after, column)
    if using is None:
        raise ConversionRefusedError(
            f"The existing values of {old.name} cannot be converted from {old.TYPE} to {new.TYPE}.", position
        )
    blame = ("fields", str(position), "type")
    ref = table_ref(table)
    message = f"Cannot convert the existing values of {new.name} to {new.TYPE}"
    sql = [
        f"ALTER TABLE {ref} ALTER COLUMN {column} DROP DEFAULT",
        f"ALTER TABLE {ref} ALTER COLUMN {column} DROP NOT NULL",
        f"ALTER TABLE {ref} ALTER COLUMN {column} TYPE {_column_type(new)} USING {using}",
    ]
    definition = new.column_sql()
    if "DEFAULT" in definition:
        sql.append(f"ALTER TABLE {ref} ALTER COLUMN {column} SET DEFAULT {definition.split('DEFAULT', 1)[1].strip()}")
    if "NOT NULL" in definition:
        sql.append(f"ALTER TABLE {ref} ALTER COLUMN {column} SET NOT NULL")
    statements = [
        Statement(sql[0], blame, check=check.format(col=column, table=ref) if check else "", check_message=message)
    ]
    statements += [Statement(text, blame, check_message=message) for text in sql[1:]]
    return statements


def _conversion(before: str, after: str, c: str) -> tuple[str | None, str]:
    """(USING expression, check query template returning an unconvertible value) for a storage change."""
    formatted_date = f"to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS\"Z\"')"
    number_as_text = f"CASE WHEN {c} = trunc({c}) AND abs({c}) < 1e15 THEN trunc({c})::bigint::text ELSE {c}::text END"
    first_check = "SELECT {col}::text FROM {table} WHERE "
    table: dict[tuple[str, str], tuple[str, str]] = {
        ("text", "nullable_text"): (f"NULLIF({c}, '')", ""),
        ("nullable_text", "text"): (f"COALESCE({c}, '')", ""),
        ("text", "array"): (f"CASE WHEN {c} = '' THEN '{{}}'::text[] ELSE ARRAY[{c}] END", ""),
        ("nullable_text", "array"): (f"CASE WHEN COALESCE({c}, '') = '' THEN '{{}}'::text[] ELSE ARRAY[{c}] END", ""),
        ("array", "text"): (f"COALESCE({c}[1], '')", first_check + "cardinality({col}) > 1 LIMIT 1"),
        ("array", "nullable_text"): (f"{c}[1]", first_check + "cardinality({col}) > 1 LIMIT 1"),
        ("text", "number"): (
            f"CASE WHEN btrim({c}) = '' THEN 0 ELSE btrim({c})::double precision END",
            first_check + f"btrim({{col}}) <> '' AND {{col}} !~ '{_NUMBER_TEXT}' LIMIT 1",
        ),
        ("text", "bool"): (
            f"CASE WHEN lower(btrim({c})) IN ('', 'false', '0') THEN false ELSE true END",
            first_check + "lower(btrim({col})) NOT IN ('', 'false', '0', 'true', '1') LIMIT 1",
        ),
        ("text", "date"): (
            f"NULLIF(btrim({c}), '')::timestamptz",
            "",
        ),
        ("text", "json"): (f"CASE WHEN {c} = '' THEN NULL ELSE to_jsonb({c}) END", ""),
        ("nullable_text", "json"): (f"to_jsonb({c})", ""),
        ("array", "json"): (f"to_jsonb({c})", ""),
        ("number", "text"): (number_as_text, ""),
        ("number", "bool"): (f"{c} <> 0", ""),
        ("number", "json"): (f"to_jsonb({c})", ""),
        ("bool", "text"): (f"CASE WHEN {c} THEN 'true' ELSE 'false' END", ""),
        ("bool", "number"): (f"CASE WHEN {c} THEN 1 ELSE 0 END", ""),
        ("bool", "json"): (f"to_jsonb({c})", ""),
        ("date", "text"): (f"COALESCE({formatted_date}, '')", ""),
        ("date", "json"): (f"to_jsonb({formatted_date})", ""),
        ("json", "text"): (
            f"CASE WHEN {c} IS NULL THEN '' WHEN jsonb_typeof({c}) = 'string' THEN {c} #>> '{{}}' ELSE {c}::text END",
            "",
        ),
        ("json", "number"): (
            f"CASE WHEN {c} IS NULL OR jsonb_typeof({c}) = 'null' THEN 0 ELSE ({c} #>> '{{}}')::double precision END",
            first_check + "jsonb_typeof({col}) NOT IN ('number', 'null') LIMIT 1",
        ),
        ("json", "bool"): (
            f"COALESCE(({c} #>> '{{}}')::boolean, false)",
            first_check + "jsonb_typeof({col}) NOT IN ('boolean', 'null') LIMIT 1",
        ),
        ("geo", "json"): (f"{c}", ""),
        ("json", "geo"): (
            f'COALESCE({c}, \'{{"lon":0,"lat":0}}\'::jsonb)',
            first_check
            + "{col} IS NOT NULL AND NOT (jsonb_typeof({col}) = 'object' AND {col} ?& ARRAY['lon','lat']) LIMIT 1",
        ),
    }
    if (before, after) in table:
        return table[(before, after)]
    return None, ""
