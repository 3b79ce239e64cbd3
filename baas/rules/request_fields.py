"""``@request.*`` identifiers: auth, body, query, headers, method and context.

Values come from ``RequestInfo`` and are bound as parameters (or folded while compiling); only
relation paths (``@request.auth.team.name``, ``@request.body.owner.name``) join tables. A missing
value resolves to NULL, never to an error, as in PocketBase.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from baas.rules.ast import Op
from baas.rules.compare import build_comparison
from baas.rules.context import Ctx
from baas.rules.dates import to_pb_text
from baas.rules.errors import RuleError
from baas.rules.joins import Chain, Source
from baas.rules.operands import Affinity, Fallback, Operand, literal, null_literal
from baas.rules.resolver import PathSpec, base_path, resolve_path, split_modifier
from baas.rules.schema import FieldInfo
from baas.rules.sqlite import lower
from baas.rules.tables import MULTI_VALUE_TYPES, TEXT_TYPES
from baas.rules.values import Const, Shape, Value, const

__all__ = ["go_string", "json_text", "resolve_request"]

_ALLOWED = re.compile(r"@request\.(context|method|(auth|body|query|headers)\.[A-Za-z0-9_.:]*[A-Za-z0-9_])\Z")
_PLAIN_AUTH = frozenset({"id", "collectionId", "collectionName", "email", "emailVisibility", "verified"})


def resolve_request(ctx: Ctx, name: str) -> Operand:
    """Resolve an ``@request.*`` identifier."""
    if not _ALLOWED.match(name):
        raise RuleError(f'failed to resolve field "{name}"')
    props = name.split(".")[1:]
    if props[0] == "auth":
        return _auth(ctx, props[1:])
    if props[0] == "body" and len(props) > 1:
        return _body(ctx, props)
    return _static(ctx, props)


def go_string(value: Any) -> str:
    """How PocketBase (Go's ``cast.ToString``) prints a value, e.g. for ``~`` patterns."""
    if value is None or isinstance(value, list | dict | tuple):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(to_pb_text(value))


def json_text(value: Any) -> str:
    """Compact JSON, as ``json.Marshal`` writes it (without Go's HTML escaping)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _static_map(ctx: Ctx) -> dict[str, Any]:
    request = ctx.request
    auth = None
    if request.auth is not None:
        auth = {k: to_pb_text(v) for k, v in request.auth.record.items()}
        auth.update(collectionId=request.auth.collection.id, collectionName=request.auth.collection.name)
    return {
        "context": request.context,
        "method": request.method,
        "query": request.query,
        "headers": request.headers,
        "body": request.body,
        "auth": auth,
    }


def _extract(data: Any, keys: Sequence[str]) -> tuple[bool, Any]:
    for key in keys:
        if isinstance(data, Mapping):
            if key not in data:
                return False, None
            data = data[key]
        elif isinstance(data, list | tuple) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return False, None
    return True, data


def _static(ctx: Ctx, path: list[str]) -> Operand:
    last, modifier = split_modifier(path[-1])
    keys = [*path[:-1], last]
    found, value = _extract(_static_map(ctx), keys)
    if modifier == "isset":
        return Operand(const(1 if found else 0), keyword=True)
    value = _bindable(ctx, keys[-1], value)
    if modifier not in ("", "lower"):
        raise RuleError(f"invalid modifier sequence {last}:{modifier}")
    if value is None:
        return null_literal()
    if modifier == "lower":
        lowered = lower(const(value))
        return Operand(lowered, params=(value,), like_text=str(lowered.const))
    return literal(value, like_text=go_string(value))


def _bindable(ctx: Ctx, last_key: str, value: Any) -> Const:
    """A request value as PocketBase binds it (numbers are float64, bools 1/0, others text)."""
    if value is None:
        return None
    if isinstance(value, str):
        # form submissions send numbers as text; PocketBase converts them for number fields
        target = ctx.collection.get_field(last_key)
        if target is not None and target.type == "number":
            try:
                return float(value)
            except ValueError:
                return value
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list | tuple | dict):
        return json_text(value)
    return str(to_pb_text(value))


def _to_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _body(ctx: Ctx, props: list[str]) -> Operand:
    name, modifier = split_modifier(props[1])
    field = ctx.collection.get_field(name)
    if field is None:
        return _static(ctx, props)
    body = ctx.request.body
    if field.type == "relation" and len(props) > 2:
        ids = list(dict.fromkeys(str(v) for v in _to_list(body.get(name)) if v not in (None, "")))
        if not ids:
            return null_literal()
        target = ctx.find_collection(field.relation_collection_id or "")
        if target is None:
            raise RuleError(f'failed to load collection "{field.relation_collection_id}"')
        key = ctx.key("body", name)
        spec = PathSpec(lambda b: b.by_ids(key, target, ids), tuple(props[2:]), nullify=True, multi=field.is_multiple)
        return resolve_path(ctx, spec)
    if len(props) == 2 and modifier in ("each", "length", "lower", "changed"):
        if modifier in ("each", "length") and field.type not in MULTI_VALUE_TYPES:
            raise RuleError(f'field "{name}" doesn\'t support multivalue operations')
        if modifier == "each":
            return _each(ctx, ctx.key("body-each", name), _to_list(body.get(name)), field.is_multiple, True)
        if modifier == "length":
            count = len(_to_list(body.get(name)))
            return Operand(const(count), keyword=count in (0, 1))
        if modifier == "lower":
            raw = go_string(body.get(name))
            lowered = lower(const(raw))
            return Operand(lowered, params=(raw,), like_text=str(lowered.const))
        return _changed(ctx, name)
    return _static(ctx, props)


def _each(ctx: Ctx, key: Any, items: list[Any], multiple: bool, with_param: bool) -> Operand:
    text = json_text(items)
    item, node = ctx.scope.each_json(key, text)
    multi = None
    if multiple:

        def multi_match() -> tuple[Source, Operand]:
            chain = Chain()
            chain_item, _ = chain.each_json(key, text)
            return chain.source(), Operand(Value(Shape.JSON, sql=chain_item))

        multi = multi_match
    nodes = frozenset() if node is None else frozenset({node})
    return Operand(Value(Shape.JSON, sql=item), params=(text,) if with_param else (), nodes=nodes, multi=multi)


def _changed(ctx: Ctx, name: str) -> Operand:
    """``X:changed`` is ``@request.body.X:isset = true && @request.body.X != X``."""
    if name not in ctx.request.body:
        return Operand(Value(Shape.PRED, sql=sa.false()), fallback=Fallback.DISABLED)
    submitted = _static(ctx, ["body", name])
    stored = resolve_path(ctx, base_path(ctx, (name,)))
    cond = build_comparison(submitted, Op.NEQ, stored)
    return Operand(Value(Shape.PRED, sql=cond.sql), fallback=Fallback.DISABLED, nodes=cond.nodes)


def _auth(ctx: Ctx, props: list[str]) -> Operand:
    auth = ctx.request.auth
    if auth is None:
        return null_literal()
    if len(props) == 1 and props[0] in _PLAIN_AUTH:
        return _static(ctx, ["auth", props[0]])
    collection, record = auth.collection, auth.record
    if len(props) == 1:
        name, modifier = split_modifier(props[0])
        field = collection.get_field(name)
        if field is None:
            return null_literal()
        return _auth_value(ctx, field, record.get(name), modifier)
    first, rest = props[0], tuple(props[1:])
    field = collection.get_field(first)
    if field is None:
        return _auth_back_relation(ctx, first, rest)
    if field.type in ("json", "geoPoint"):
        found, value = _extract(record.get(first), [p.replace(":", "") for p in rest])
        return Operand(_json_const(value if found else None), fallback=Fallback.DISABLED)
    if field.type != "relation":
        raise RuleError(f'field "{first}" is not a valid relation')
    target = ctx.find_collection(field.relation_collection_id or "")
    if target is None:
        raise RuleError(f'failed to load field "{first}" collection')
    if not field.is_multiple and rest == ("id",):
        return _auth_value(ctx, field, record.get(first), "")
    ids = [str(v) for v in _to_list(record.get(first)) if v not in (None, "")]
    key = ctx.key("auth", first)
    spec = PathSpec(lambda b: b.by_ids(key, target, ids), rest, nullify=True, multi=field.is_multiple, offset=1)
    return resolve_path(ctx, spec)


def _auth_back_relation(ctx: Ctx, prop: str, rest: tuple[str, ...]) -> Operand:
    auth = ctx.request.auth
    assert auth is not None
    match = re.fullmatch(r"(\w+)_via_(\w+)", prop, re.ASCII)
    source = ctx.find_collection(match.group(1)) if match else None
    back_field = source.get_field(match.group(2)) if source and match else None
    if source is None or back_field is None or back_field.type != "relation":
        return null_literal()
    if back_field.relation_collection_id != auth.collection.id:
        return null_literal()
    key = ctx.key("auth-back", prop)
    spec = PathSpec(lambda b: b.back_of_id(key, source, back_field, auth.id), rest, nullify=True, multi=True, offset=1)
    return resolve_path(ctx, spec)


def _json_const(value: Any) -> Value:
    """A JSON value the way SQLite's JSON_EXTRACT returns it."""
    if isinstance(value, bool):
        return const(int(value))
    if isinstance(value, dict | list):
        return const(json_text(value))
    if value is None or isinstance(value, int | float | str):
        return const(value)
    return const(str(value))


def _auth_value(ctx: Ctx, field: FieldInfo, raw: Any, modifier: str) -> Operand:
    """A field of the authenticated record, typed like the column PocketBase would join."""
    kind = field.type
    multiple = kind in MULTI_VALUE_TYPES and field.is_multiple
    if kind in MULTI_VALUE_TYPES:
        items = [str(v) for v in _to_list(raw) if v not in (None, "")]
        if modifier == "length":
            return Operand(const(len(items)))
        if modifier == "each" and multiple:
            return _each(ctx, ctx.key("auth-each", field.name), items, True, False)
    affinity = Affinity.TEXT
    fallback = Fallback.AUTO
    if multiple:
        value, affinity = const(json_text(_to_list(raw))), Affinity.NUMERIC
    elif kind == "number":
        number = float(raw or 0)
        value, affinity = const(int(number) if number.is_integer() else number), Affinity.NUMERIC
    elif kind == "bool":
        value, affinity = const(int(bool(raw))), Affinity.NUMERIC
    elif kind == "json":
        value, affinity, fallback = _json_const(raw), Affinity.NONE, Fallback.DISABLED
    elif kind == "geoPoint":
        point = raw if isinstance(raw, Mapping) else {}
        lon, lat = (go_string(float(point.get(k) or 0)) for k in ("lon", "lat"))
        value, affinity = const(f'{{"lon":{lon},"lat":{lat}}}'), Affinity.NUMERIC
    elif kind in TEXT_TYPES or kind in MULTI_VALUE_TYPES or kind in ("date", "autodate"):
        value = const(str(to_pb_text(raw) if raw is not None else ""))
    else:
        value = const("" if raw is None else str(to_pb_text(raw)))
    if modifier == "lower":
        return Operand(lower(value), fallback=fallback)
    if modifier == "each":
        affinity = Affinity.NONE
    return Operand(value, affinity=affinity, fallback=fallback)
