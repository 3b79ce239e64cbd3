"""SQLite type affinity: the conversions applied to an operand before it is compared.

A column with NUMERIC affinity (numbers, bools, PocketBase's JSON-declared multi-value columns)
turns text that looks like a number into that number; a TEXT column turns numbers into text.
"""

from __future__ import annotations

import sqlalchemy as sa

from baas.rules.literals import NUMERIC_TEXT_PATTERN, py_numeric, py_text
from baas.rules.values import Shape, Value, class_sql, const, num_sql, text_of, txt_sql

__all__ = ["with_numeric_affinity", "with_text_affinity"]


def with_numeric_affinity(v: Value) -> Value:
    """Apply NUMERIC affinity: text that looks like a number becomes that number."""
    if v.shape is Shape.CONST:
        if isinstance(v.const, str):
            number = py_numeric(v.const)
            return v if number is None else const(number)
        return v
    if v.shape in (Shape.TEXT, Shape.TEXT_EMPTY, Shape.JSON, Shape.DYN):
        text = txt_sql(v)
        looks = text.regexp_match(NUMERIC_TEXT_PATTERN)
        cls = class_sql(v)
        return Value(
            Shape.DYN,
            dyn_cls=sa.case((sa.and_(cls == 2, looks), sa.literal_column("1")), else_=cls),
            dyn_num=sa.case((sa.and_(cls == 2, looks), sa.cast(text, sa.Double())), else_=num_sql(v)),
            dyn_txt=text,
        )
    return v


def with_text_affinity(v: Value) -> Value:
    """Apply TEXT affinity: numbers become their text rendering."""
    if v.shape is Shape.CONST:
        return v if v.const is None or isinstance(v.const, str) else const(py_text(v.const))
    if v.shape in (Shape.NUMBER, Shape.INTEGER, Shape.BOOL, Shape.PRED):
        return Value(Shape.TEXT, sql=text_of(v), nullable=v.nullable and v.shape is not Shape.PRED)
    if v.shape in (Shape.JSON, Shape.DYN):
        cls = class_sql(v)
        return Value(
            Shape.DYN,
            dyn_cls=sa.case((cls == 1, sa.literal_column("2")), else_=cls),
            dyn_num=sa.null(),
            dyn_txt=text_of(v),
        )
    return v
