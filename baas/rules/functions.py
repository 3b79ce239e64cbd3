"""Filter functions: ``geoDistance(lonA, latA, lonB, latB)`` and ``strftime(format, time, mods...)``."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from baas.rules import ast
from baas.rules.affinity import with_numeric_affinity
from baas.rules.context import Ctx
from baas.rules.errors import RuleError
from baas.rules.joins import Source
from baas.rules.literals import py_numeric
from baas.rules.operands import Fallback, Operand
from baas.rules.strftime import (
    apply_modifier,
    format_sql,
    julian_sql,
    julian_to_datetime,
    parse_time_text,
    text_time_sql,
    unix_sql,
)
from baas.rules.values import (
    Cls,
    Shape,
    Sql,
    Value,
    class_sql,
    const,
    num_sql,
    static_cls,
    txt_sql,
)

__all__ = ["EARTH_RADIUS_KM", "resolve_call"]

EARTH_RADIUS_KM = 6371.0
_MAX_STRFTIME_ARGS = 10
_NUMERIC_MODES = ("unixepoch", "julianday", "auto")

Resolve = Callable[[Ctx, ast.Operand], Operand]


def resolve_call(ctx: Ctx, call: ast.Call, resolve: Resolve) -> Operand:
    """Resolve a function call; ``resolve`` resolves its arguments."""
    if call.name == "geoDistance":
        return _geo_distance(ctx, call, resolve)
    if call.name == "strftime":
        return _strftime(ctx, call, resolve)
    raise RuleError(f'unknown function "{call.name}"')


def _number(value: Value) -> Sql | float | None:
    """A numeric argument as SQLite's math functions read it (NULL when not a number)."""
    if value.shape is Shape.JSON:
        return num_sql(value)
    value = with_numeric_affinity(value)
    if value.shape is Shape.CONST:
        return float(value.const) if isinstance(value.const, int | float) else None
    if static_cls(value) == Cls.NUM:
        return num_sql(value)
    # typed: when num_sql is a bare NULL, PostgreSQL would take the CASE for text
    return sa.cast(sa.case((class_sql(value) == 1, num_sql(value))), sa.Double())


def _haversine(lon_a: float, lat_a: float, lon_b: float, lat_b: float) -> float:
    dlat, dlon = math.radians(lat_b - lat_a), math.radians(lon_b - lon_a)
    h = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(lat_a)) * math.cos(math.radians(lat_b)) * math.sin(dlon / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _geo_distance(ctx: Ctx, call: ast.Call, resolve: Resolve) -> Operand:
    if len(call.args) != 4:
        raise RuleError(f"[geoDistance] expected 4 arguments, got {len(call.args)}")
    operands = []
    for i, arg in enumerate(call.args):
        if not isinstance(arg, ast.Identifier | ast.Number):
            raise RuleError(f"[geoDistance] argument {i} must be an identifier or number")
        operands.append(resolve(ctx, arg))
    numbers = [_number(op.value) for op in operands]
    nodes = frozenset().union(*(op.nodes for op in operands))
    floats = [n for n in numbers if isinstance(n, float)]
    if len(floats) == 4:
        distance = _haversine(*floats)
        return Operand(const(distance), fallback=Fallback.DISABLED, params=(distance,))
    sqls = [sa.literal(n, sa.Double()) if isinstance(n, float) else n for n in numbers]
    if any(n is None for n in sqls):
        return Operand(const(None), fallback=Fallback.DISABLED, nodes=nodes)
    lon_a, lat_a, lon_b, lat_b = (n for n in sqls if n is not None)
    # haversine rather than PocketBase's spherical law of cosines: the same distance, but acos()
    # of a value rounded past 1 would raise an error in PostgreSQL
    half_dlat = sa.func.radians(lat_b - lat_a) * 0.5
    half_dlon = sa.func.radians(lon_b - lon_a) * 0.5
    h = sa.func.power(sa.func.sin(half_dlat), 2) + sa.func.cos(sa.func.radians(lat_a)) * sa.func.cos(
        sa.func.radians(lat_b)
    ) * sa.func.power(sa.func.sin(half_dlon), 2)
    distance_sql = 2 * EARTH_RADIUS_KM * sa.func.asin(sa.func.least(1.0, sa.func.sqrt(h)))
    return Operand(Value(Shape.NUMBER, sql=distance_sql), fallback=Fallback.DISABLED, nodes=nodes)


def _strftime(ctx: Ctx, call: ast.Call, resolve: Resolve) -> Operand:
    args = call.args
    if not args:
        raise RuleError("[strftime] expected at least 1 arguments, got 0")
    if len(args) > _MAX_STRFTIME_ARGS:
        raise RuleError(f"[strftime] too many arguments (max allowed {_MAX_STRFTIME_ARGS}, got {len(args)})")
    if not isinstance(args[0], ast.Text):
        raise RuleError("[strftime] expects the first argument to be a format string")
    fmt = args[0].value
    now = ctx.now.astimezone(UTC).replace(tzinfo=None)
    if len(args) == 1:
        return _result(format_sql(sa.literal(now, sa.DateTime()), fmt), None)
    if not isinstance(args[1], ast.Text | ast.Identifier | ast.Number):
        raise RuleError("[strftime] expects the second argument to be of a valid time-value type")
    modifiers: list[str] = []
    for i, arg in enumerate(args[2:]):
        if not isinstance(arg, ast.Text):
            raise RuleError(f"[strftime] invalid modifier argument {i} - can be only string")
        modifiers.append(arg.value)
    mode = modifiers[0].strip().lower() if modifiers and modifiers[0].strip().lower() in _NUMERIC_MODES else ""
    if mode:
        modifiers = modifiers[1:]
    if any(m.strip().lower() in _NUMERIC_MODES for m in modifiers):
        # SQLite only honours these right after a numeric time value; elsewhere the result is NULL
        return _result(None, None)
    time_operand = resolve(ctx, args[1])

    def build(value: Value) -> Sql | None:
        moment = _moment(value, mode, now)
        if moment is None:
            return None
        for modifier in modifiers:
            moment = apply_modifier(moment, modifier)
        return format_sql(moment, fmt)

    # fail early on unsupported format specifiers or modifiers, even for a NULL time value
    format_sql(apply_modifiers_check(modifiers), fmt)
    result = _result(build(time_operand.value), time_operand)
    if time_operand.multi is not None:
        inner_multi = time_operand.multi

        def multi_match() -> tuple[Source, Operand]:
            source, inner = inner_multi()
            return source, _result(build(inner.value), None)

        return Operand(
            result.value, fallback=result.fallback, params=result.params, nodes=result.nodes, multi=multi_match
        )
    return result


def apply_modifiers_check(modifiers: list[str]) -> Sql:
    """Validate ``modifiers`` by applying them to a placeholder timestamp."""
    moment: Sql = sa.literal(datetime(2000, 1, 1), sa.DateTime())
    for modifier in modifiers:
        moment = apply_modifier(moment, modifier)
    return moment


def _result(expr: Sql | None, source: Operand | None) -> Operand:
    nodes = source.nodes if source is not None else frozenset()
    value = const(None) if expr is None else Value(Shape.TEXT, sql=expr)
    # PocketBase's NullFallbackEnforced: '' and NULL results compare alike
    return Operand(value, fallback=Fallback.ENFORCED, nodes=nodes, params=("strftime",))


def _moment(value: Value, mode: str, now: datetime) -> Sql | None:
    """The time value as a UTC timestamp expression (``None`` for a NULL constant)."""
    if value.shape is Shape.CONST:
        moment = _const_moment(value.const, mode, now)
        return None if moment is None else sa.literal(moment, sa.DateTime())
    if value.shape is Shape.DATE:
        return sa.func.timezone("UTC", value.sql)
    if mode == "unixepoch" and static_cls(value) != Cls.NUM:
        return None
    if static_cls(value) == Cls.NUM:
        number = num_sql(value)
        if mode == "unixepoch":
            return unix_sql(number)
        if mode == "auto":
            return sa.case((sa.between(number, 0, 5373484.4999), julian_sql(number)), else_=unix_sql(number))
        return julian_sql(number)
    if value.shape in (Shape.JSON, Shape.DYN):
        return sa.case(
            (class_sql(value) == 2, text_time_sql(txt_sql(value))), (class_sql(value) == 1, julian_sql(num_sql(value)))
        )
    return text_time_sql(txt_sql(value))


def _const_moment(raw: object, mode: str, now: datetime) -> datetime | None:
    if isinstance(raw, str):
        number = py_numeric(raw)
        if number is None:
            return None if mode else parse_time_text(raw, now)
        raw = number
    if not isinstance(raw, int | float):
        return None
    if mode == "unixepoch" or (mode == "auto" and not 0 <= raw <= 5373484.4999):
        return _from_unix(float(raw))
    return julian_to_datetime(float(raw))


def _from_unix(seconds: float) -> datetime | None:
    if not -210866760000 <= seconds <= 253402300799:
        return None
    try:
        return datetime(1970, 1, 1) + timedelta(seconds=seconds)
    except OverflowError:
        return None
