"""Values as SQLite sees them, represented in PostgreSQL.

PocketBase's filters run on SQLite, where a value's *storage class* (NULL, number or text) is
decided per value and comparisons between classes are defined (numbers sort before text). Our
columns are typed, so each ``Value`` records how its SQL expression maps to SQLite's view:

* ``TEXT``       text; SQL NULL is SQLite NULL
* ``TEXT_EMPTY`` text where SQL NULL means ``''`` (single relations): PocketBase stores ``''``
* ``NUMBER``     double precision (an integral value behaves like SQLite's INTEGER)
* ``INTEGER``    integer expression (lengths)
* ``BOOL``       boolean, SQLite's 0/1
* ``PRED``       a predicate used as a value (0/1, never NULL)
* ``DATE``       timestamptz where NULL means ``''``; SQLite sees ``YYYY-MM-DD HH:MM:SS.mmmZ`` text
* ``ARRAY``      text[]; SQLite sees its JSON text (``["a","b"]``)
* ``GEO``        geoPoint jsonb; SQLite sees ``{"lon":x,"lat":y}``
* ``JSON``       jsonb with ``JSON_EXTRACT`` semantics: the class depends on the row
* ``DYN``        any dynamically typed value, given as explicit class/number/text expressions
* ``CONST``      a value known while compiling (``None``, ``int``, ``float`` or ``str``)

``present`` (for values read through a LEFT JOIN) tells a missing row (SQLite NULL) from an empty
value. The functions here give each value's class, number and text "views"; ``affinity.py``
applies SQLite's type affinity and ``sqlite.py`` builds comparisons from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from baas.rules.literals import py_text

__all__ = [
    "Cls",
    "Const",
    "Shape",
    "Value",
    "class_sql",
    "const",
    "json_kind_in",
    "json_text",
    "null_cond",
    "num_sql",
    "static_cls",
    "text_of",
    "txt_sql",
]

Const = None | int | float | str
Sql = ColumnElement[Any]

PB_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS.MS"Z"'


class Cls(IntEnum):
    """SQLite storage classes that compare: every number sorts before every text."""

    NUM = 1
    TEXT = 2


class Shape(Enum):
    """How a value's SQL maps to SQLite (see the module docstring)."""

    CONST = "const"
    TEXT = "text"
    TEXT_EMPTY = "text_empty"
    NUMBER = "number"
    INTEGER = "integer"
    BOOL = "bool"
    PRED = "pred"
    DATE = "date"
    ARRAY = "array"
    GEO = "geo"
    JSON = "json"
    DYN = "dyn"


@dataclass(frozen=True)
class Value:
    """One operand value; see the module docstring for the shapes."""

    shape: Shape
    sql: Sql | None = None
    const: Const = None
    nullable: bool = True
    present: Sql | None = None
    dyn_cls: Sql | None = None
    dyn_num: Sql | None = None
    dyn_txt: Sql | None = None
    # a primary key of the filtered row: never NULL and never ''
    never_empty: bool = False


def const(value: Const) -> Value:
    """A value known at compile time."""
    return Value(Shape.CONST, const=value, nullable=value is None)


def _bind(value: Const) -> Sql:
    if isinstance(value, str):
        return sa.literal(value, sa.Text())
    if isinstance(value, int):
        return sa.literal(value, sa.BigInteger())
    return sa.literal(value, sa.Double())


_STATIC_CLS = {
    Shape.TEXT: Cls.TEXT,
    Shape.TEXT_EMPTY: Cls.TEXT,
    Shape.DATE: Cls.TEXT,
    Shape.ARRAY: Cls.TEXT,
    Shape.GEO: Cls.TEXT,
    Shape.NUMBER: Cls.NUM,
    Shape.INTEGER: Cls.NUM,
    Shape.BOOL: Cls.NUM,
    Shape.PRED: Cls.NUM,
}


def static_cls(v: Value) -> Cls | str | None:
    """The class of ``v`` when it is not NULL: a ``Cls``, ``None`` for a NULL constant, or "dyn"."""
    if v.shape is Shape.CONST:
        if v.const is None:
            return None
        return Cls.TEXT if isinstance(v.const, str) else Cls.NUM
    return _STATIC_CLS.get(v.shape, "dyn")


def null_cond(v: Value) -> Sql | bool:
    """Whether ``v`` is SQLite NULL: ``True``/``False`` when known, else a SQL condition."""
    if v.shape is Shape.CONST:
        return v.const is None
    if v.shape is Shape.PRED:
        return False
    if v.shape in (Shape.TEXT_EMPTY, Shape.DATE):
        return False if v.present is None else sa.not_(v.present)
    if v.shape in (Shape.JSON, Shape.DYN):
        return class_sql(v).is_(None)
    assert v.sql is not None
    return v.sql.is_(None) if v.nullable else False


def _json_type(v: Value) -> Sql:
    return sa.func.jsonb_typeof(v.sql)


def json_kind_in(kind: Sql, *names: str) -> Sql:
    """``jsonb_typeof(x) IN (...)`` with the (fixed) type names inlined."""
    return kind.in_([sa.literal_column(f"'{name}'") for name in names])


def class_sql(v: Value) -> Sql:
    """The class of a dynamic value as SQL: 1 (number), 2 (text) or NULL."""
    if v.shape is Shape.DYN:
        assert v.dyn_cls is not None
        return v.dyn_cls
    if v.shape is Shape.JSON:
        kind = _json_type(v)
        return sa.case(
            (json_kind_in(kind, "number", "boolean"), sa.literal_column("1")),
            (json_kind_in(kind, "string", "object", "array"), sa.literal_column("2")),
        )
    cls = static_cls(v)
    if cls is None:
        return sa.null()
    guard = null_cond(v)
    number: Sql = sa.literal_column("1" if cls == Cls.NUM else "2")
    return number if guard is False else sa.case((sa.not_(guard), number))  # type: ignore[arg-type]


def num_sql(v: Value) -> Sql:
    """The numeric value (meaningful when the class is NUM)."""
    if v.shape is Shape.CONST:
        return _bind(v.const)
    if v.shape in (Shape.NUMBER, Shape.INTEGER):
        assert v.sql is not None
        return v.sql
    if v.shape in (Shape.BOOL, Shape.PRED):
        return sa.case((v.sql, sa.literal_column("1")), (sa.not_(v.sql), sa.literal_column("0")))  # type: ignore[arg-type]
    if v.shape is Shape.JSON:
        kind = _json_type(v)
        return sa.case(
            (json_kind_in(kind, "number"), sa.cast(v.sql, sa.Double())),
            (json_kind_in(kind, "boolean"), sa.cast(sa.cast(v.sql, sa.Boolean()), sa.Integer())),
        )
    if v.shape is Shape.DYN:
        assert v.dyn_num is not None
        return v.dyn_num
    return sa.null()


def _present(v: Value, expr: Sql) -> Sql:
    return expr if v.present is None else sa.case((v.present, expr))


def txt_sql(v: Value) -> Sql:
    """The text value (meaningful when the class is TEXT)."""
    shape = v.shape
    if shape is Shape.CONST:
        return _bind(py_text(v.const))
    assert shape is Shape.DYN or v.sql is not None
    if shape is Shape.TEXT:
        return v.sql  # type: ignore[return-value]
    if shape is Shape.TEXT_EMPTY:
        return _present(v, sa.func.coalesce(v.sql, ""))
    if shape is Shape.DATE:
        utc = sa.func.timezone("UTC", v.sql)
        return _present(v, sa.func.coalesce(sa.func.to_char(utc, PB_DATE_FORMAT), ""))
    if shape is Shape.ARRAY:
        return sa.cast(sa.func.array_to_json(v.sql), sa.Text())
    if shape is Shape.GEO:
        lon = v.sql.op("->>", return_type=sa.Text())("lon")  # type: ignore[union-attr]
        lat = v.sql.op("->>", return_type=sa.Text())("lat")  # type: ignore[union-attr]
        return sa.literal('{"lon":') + lon + sa.literal(',"lat":') + lat + sa.literal("}")
    if shape is Shape.JSON:
        kind = _json_type(v)
        return sa.case(
            (json_kind_in(kind, "string"), v.sql.op("#>>", return_type=sa.Text())(sa.literal_column("'{}'"))),  # type: ignore[union-attr]
            (json_kind_in(kind, "object", "array"), json_text(v.sql)),  # type: ignore[arg-type]
        )
    if shape is Shape.DYN:
        assert v.dyn_txt is not None
        return v.dyn_txt
    return text_of(v)


def json_text(expr: Sql) -> Sql:
    """An object/array as compact JSON text, like SQLite's (``[5,6]``, not jsonb's ``[5, 6]``).

    Keys keep jsonb's order (shorter keys first), not the order they were written in.
    """
    return sa.func.regexp_replace(sa.cast(expr, sa.Text()), r'("(?:[^"\\]|\\.)*")|\s+', r"\1", "g")


def _render_number(expr: Sql) -> Sql:
    # SQLite stores integral values of numeric columns as INTEGER, which renders without ".0"
    integral = sa.and_(expr == sa.func.trunc(expr), sa.func.abs(expr) < 9.2e18)
    return sa.case((integral, sa.cast(sa.cast(expr, sa.BigInteger()), sa.Text())), else_=sa.cast(expr, sa.Text()))


def text_of(v: Value) -> Sql:
    """SQLite's conversion of any value to text (used by LIKE, LOWER, ``||`` and TEXT affinity)."""
    shape = v.shape
    if shape is Shape.CONST:
        return sa.null() if v.const is None else _bind(py_text(v.const))
    if shape is Shape.NUMBER:
        return _render_number(v.sql)  # type: ignore[arg-type]
    if shape is Shape.INTEGER:
        return sa.cast(v.sql, sa.Text())
    if shape in (Shape.BOOL, Shape.PRED):
        return sa.case((v.sql, "1"), (sa.not_(v.sql), "0"))  # type: ignore[arg-type]
    if shape is Shape.JSON:
        kind = _json_type(v)
        return sa.case(
            (json_kind_in(kind, "string", "number"), v.sql.op("#>>", return_type=sa.Text())(sa.literal_column("'{}'"))),  # type: ignore[union-attr]
            (json_kind_in(kind, "boolean"), sa.case((sa.cast(v.sql, sa.Boolean()), "1"), else_="0")),
            (json_kind_in(kind, "object", "array"), json_text(v.sql)),  # type: ignore[arg-type]
        )
    if shape is Shape.DYN:
        return sa.case((class_sql(v) == 1, _render_number(num_sql(v))), else_=txt_sql(v))
    return txt_sql(v)
