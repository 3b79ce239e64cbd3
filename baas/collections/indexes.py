"""Collection indexes: PocketBase's ``CREATE INDEX`` strings, parsed and rebuilt as PostgreSQL DDL.

Clients send SQLite-flavoured index definitions (``CREATE UNIQUE INDEX `idx` ON `t` (`a` COLLATE
NOCASE) WHERE `a` != ''``). We never pass them to the database as written: they are tokenised,
checked against the collection's fields, and rebuilt from the tokens, so an index definition cannot
smuggle SQL. Supported: column names, ``lower(col)``/``upper(col)``, ``COLLATE NOCASE`` (as
``lower()``), ``ASC``/``DESC``, and a WHERE clause of comparisons between columns and literals joined by
AND/OR/NOT with ``IS [NOT] NULL``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

__all__ = ["Index", "InvalidIndexError", "parse_index", "postgres_ddl", "rename_column"]


class InvalidIndexError(ValueError):
    """The definition is not a CREATE INDEX statement we can rebuild safely."""


@dataclass(frozen=True)
class IndexColumn:
    name: str
    function: str = ""  # "lower" | "upper" | ""
    sort: str = ""  # "ASC" | "DESC" | ""


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: tuple[IndexColumn, ...]
    unique: bool = False
    where: tuple[tuple[str, str], ...] = field(default=())  # tokens (kind, text)

    def to_pocketbase(self) -> str:
        """The definition in PocketBase's canonical form (what the API returns)."""
        parts = ["CREATE "]
        if self.unique:
            parts.append("UNIQUE ")
        parts.append(f"INDEX `{self.name}` ON `{self.table}` (")
        rendered = [_column_sqlite(c) for c in self.columns]
        parts.append(rendered[0] if len(rendered) == 1 else "\n  " + ",\n  ".join(rendered) + "\n")
        parts.append(")")
        if self.where:
            parts.append(" WHERE " + _render_where(self.where, quote="`"))
        return "".join(parts)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def with_table(self, table: str) -> Index:
        return replace(self, table=table)


def _column_sqlite(column: IndexColumn) -> str:
    text = f"`{column.name}`"
    if column.function:
        text = f"{column.function}({text})"
    return f"{text} {column.sort}" if column.sort else text


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ident>`[^`]*`|"(?:[^"]|"")*"|\[[^\]]*\]|[A-Za-z_][A-Za-z0-9_]*)
    | (?P<string>'(?:[^']|'')*')
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op>==|!=|<>|<=|>=|<|>|=|\(|\)|,|\.)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE"}
_MAX_DEFINITION = 4000


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip().rstrip(";")
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise InvalidIndexError("Invalid CREATE INDEX expression.")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "ident":
            if value[0] in '`"[':
                value = value[1:-1].replace('""', '"')
                kind = "quoted"
            elif value.upper() in _KEYWORDS or value.upper() in {
                "CREATE",
                "UNIQUE",
                "INDEX",
                "ON",
                "IF",
                "EXISTS",
                "COLLATE",
                "ASC",
                "DESC",
                "WHERE",
            }:
                kind, value = "keyword", value.upper()
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Reader:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.i += 1
        return token

    def keyword(self, word: str) -> bool:
        if self.peek() == ("keyword", word):
            self.i += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise InvalidIndexError("Invalid CREATE INDEX expression.")

    def name(self) -> str:
        kind, value = self.take()
        if kind not in {"ident", "quoted"} or not value:
            raise InvalidIndexError("Invalid CREATE INDEX expression.")
        return value


def parse_index(definition: str) -> Index:
    """Parse a ``CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (...) [WHERE ...]`` string."""
    if not isinstance(definition, str) or len(definition) > _MAX_DEFINITION:
        raise InvalidIndexError("Invalid CREATE INDEX expression.")
    reader = _Reader(_tokenize(definition))
    reader.expect_keyword("CREATE")
    unique = reader.keyword("UNIQUE")
    reader.expect_keyword("INDEX")
    if reader.keyword("IF"):
        reader.expect_keyword("NOT")
        reader.expect_keyword("EXISTS")
    name = reader.name()
    if reader.peek() == ("op", "."):  # schema-qualified: the schema is ignored
        reader.take()
        name = reader.name()
    reader.expect_keyword("ON")
    table = reader.name()
    if reader.take() != ("op", "("):
        raise InvalidIndexError("Invalid CREATE INDEX expression.")
    columns = [_parse_column(reader)]
    while reader.peek() == ("op", ","):
        reader.take()
        columns.append(_parse_column(reader))
    if reader.take() != ("op", ")"):
        raise InvalidIndexError("Invalid CREATE INDEX expression.")
    where: list[tuple[str, str]] = []
    if reader.keyword("WHERE"):
        where = reader.tokens[reader.i :]
        reader.i = len(reader.tokens)
        _check_where(where)
    if reader.peek()[0] != "end":
        raise InvalidIndexError("Invalid CREATE INDEX expression.")
    if len(name) > 63:
        raise InvalidIndexError("The index name must be at most 63 characters.")
    return Index(name=name, table=table, columns=tuple(columns), unique=unique, where=tuple(where))


def _parse_column(reader: _Reader) -> IndexColumn:
    function = ""
    kind, value = reader.peek()
    if (
        kind == "ident"
        and value.lower() in {"lower", "upper"}
        and reader.tokens[reader.i + 1 : reader.i + 2] == [("op", "(")]
    ):
        reader.take()
        reader.take()
        function = value.lower()
        name = reader.name()
        if reader.take() != ("op", ")"):
            raise InvalidIndexError("Invalid CREATE INDEX expression.")
    else:
        name = reader.name()
    if reader.keyword("COLLATE"):
        collation = reader.name().upper()
        if collation == "NOCASE":
            function = function or "lower"
        elif collation not in {"BINARY", "RTRIM"}:
            raise InvalidIndexError(f"Unsupported collation {collation}.")
    sort = ""
    if reader.keyword("ASC"):
        sort = "ASC"
    elif reader.keyword("DESC"):
        sort = "DESC"
    return IndexColumn(name=name, function=function, sort=sort)


def _check_where(tokens: list[tuple[str, str]]) -> None:
    """Accept only the small boolean grammar documented in the module docstring."""
    depth = 0
    expect_operand = True
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        if expect_operand:
            if (kind, value) == ("op", "("):
                depth += 1
            elif (kind, value) == ("keyword", "NOT"):
                pass
            elif kind in {"ident", "quoted", "string", "number"} or value in {"NULL", "TRUE", "FALSE"}:
                expect_operand = False
            else:
                raise InvalidIndexError("Invalid index WHERE clause.")
        elif (kind, value) == ("op", ")"):
            depth -= 1
            if depth < 0:
                raise InvalidIndexError("Invalid index WHERE clause.")
        elif value in {"AND", "OR"} or (kind == "op" and value in {"=", "==", "!=", "<>", "<", "<=", ">", ">="}):
            expect_operand = True
        elif value == "IS":
            if tokens[i + 1 : i + 2] == [("keyword", "NOT")]:
                i += 1
            if tokens[i + 1 : i + 2] != [("keyword", "NULL")]:
                raise InvalidIndexError("Invalid index WHERE clause.")
            i += 1
        else:
            raise InvalidIndexError("Invalid index WHERE clause.")
        i += 1
    if expect_operand or depth != 0:
        raise InvalidIndexError("Invalid index WHERE clause.")


def _render_where(tokens: Iterable[tuple[str, str]], *, quote: str, bool_columns: frozenset[str] = frozenset()) -> str:
    out: list[str] = []
    previous_column = ""
    for kind, value in tokens:
        if kind in {"ident", "quoted"}:
            escaped = value.replace('"', '""') if quote == '"' else value
            out.append(f"{quote}{escaped}{quote}")
            previous_column = value
            continue
        if kind == "string":
            out.append("'" + value[1:-1].replace("''", "'").replace("'", "''") + "'")
        elif kind == "number" and quote == '"' and previous_column in bool_columns and value in {"0", "1"}:
            # SQLite compares booleans with 0/1; PostgreSQL needs boolean literals.
            out.append("TRUE" if value == "1" else "FALSE")
        elif value == "==":
            out.append("=")
        else:
            out.append(value)
        if kind == "op" and value in {"(", ")"}:
            continue
        if kind != "op" or value not in {"=", "!=", "<>", "<", "<=", ">", ">="}:
            previous_column = previous_column if kind == "op" else ""
    text = " ".join(out)
    return text.replace("( ", "(").replace(" )", ")")


def where_columns(index: Index) -> set[str]:
    return {value for kind, value in index.where if kind in {"ident", "quoted"}}


def rename_column(index: Index, old: str, new: str) -> Index:
    columns = tuple(replace(c, name=new) if c.name == old else c for c in index.columns)
    where = tuple((k, new) if k in {"ident", "quoted"} and v == old else (k, v) for k, v in index.where)
    return replace(index, columns=columns, where=where)


def postgres_ddl(index: Index, *, schema: str, table: str, bool_columns: frozenset[str] = frozenset()) -> str:
    """``CREATE [UNIQUE] INDEX`` for PostgreSQL; every identifier quoted, literals re-escaped."""

    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    columns = []
    for column in index.columns:
        text = quoted(column.name)
        if column.function:
            text = f"{column.function}({text})"
        columns.append(f"{text} {column.sort}".strip())
    ddl = (
        f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {quoted(index.name)} "
        f"ON {quoted(schema)}.{quoted(table)} ({', '.join(columns)})"
    )
    if index.where:
        ddl += " WHERE " + _render_where(index.where, quote='"', bool_columns=bool_columns)
    return ddl
