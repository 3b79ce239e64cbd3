"""The API preview of a collection: endpoints, parameters, and examples built from its real fields."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from baas.collections.fields import Field, FileField, RelationField, SelectField
from baas.collections.model import Collection

__all__ = ["Endpoint", "endpoints", "example_record"]

_LIST_PARAMS = [
    ("page", "Number", "The page (1 by default)."),
    ("perPage", "Number", "Records per page (30 by default, at most 1000)."),
    ("sort", "String", "e.g. -created,id; prefix - for descending."),
    ("filter", "String", "A filter expression, e.g. (title ~ 'abc' && created > '2022-01-01')."),
    ("expand", "String", "Relations to expand, e.g. author,comments.user."),
    ("fields", "String", "Only these fields in the response, e.g. id,title,expand.author.name."),
    ("skipTotal", "Boolean", "Skip counting (totalItems and totalPages are -1): faster."),
]
_RECORD_PARAMS = [p for p in _LIST_PARAMS if p[0] in ("expand", "fields")]


@dataclass
class Endpoint:
    key: str
    title: str
    method: str
    path: str
    rule: str
    params: list[tuple[str, str, str]] = field(default_factory=list)
    body: list[tuple[str, str, str]] = field(default_factory=list)
    curl: str = ""
    js: str = ""
    python: str = ""
    response: str = ""


def _example(item: Field) -> Any:
    if isinstance(item, SelectField):
        first = item.values[0] if item.values else "option"
        return item.values[: max(1, min(2, item.maxSelect))] if item.is_multiple else first
    if isinstance(item, RelationField):
        return ["RELATION_RECORD_ID"] if item.is_multiple else "RELATION_RECORD_ID"
    if isinstance(item, FileField):
        return ["filename.jpg"] if item.is_multiple else "filename.jpg"
    samples: dict[str, Any] = {
        "text": "test",
        "editor": "<p>test</p>",
        "number": 123,
        "bool": True,
        "email": "test@example.com",
        "url": "https://example.com",
        "date": "2022-01-01 10:00:00.123Z",
        "autodate": "2022-01-01 10:00:00.123Z",
        "json": {"key": "value"},
        "geoPoint": {"lon": 0, "lat": 0},
    }
    return samples.get(item.TYPE, "test")


def example_record(collection: Collection) -> dict[str, Any]:
    record: dict[str, Any] = {"collectionId": collection.id, "collectionName": collection.name}
    for item in collection.fields:
        if item.hidden:
            continue
        record[item.name] = "RECORD_ID" if item.name == "id" else _example(item)
    return record


def _body(collection: Collection) -> dict[str, Any]:
    body = {}
    for item in collection.fields:
        internal = item.system and item.hidden and item.name != "password"
        if item.name in ("id", "tokenKey") or item.TYPE == "autodate" or internal:
            continue
        body[item.name] = "12345678" if item.TYPE == "password" else _example(item)
    if collection.is_auth:
        body["passwordConfirm"] = "12345678"
    return body


def _rule_text(rule: str | None) -> str:
    if rule is None:
        return "Superusers only (the rule is locked)."
    return "Public: anyone may call it." if rule == "" else f"Allowed when: {rule}"


def _curl(method: str, url: str, rule: str | None = "", body: Any = None) -> str:
    lines = [f"curl -X {method} '{url}'" if method != "GET" else f"curl '{url}'"]
    if rule != "":
        lines.append("-H 'Authorization: TOKEN'")
    if body is not None:
        lines += ["-H 'Content-Type: application/json'", f"-d '{json.dumps(body)}'"]
    return " \\\n  ".join(lines)


_FILTER = 'created >= "2022-01-01 00:00:00"'


def _reads(collection: Collection, base: str, path: str) -> list[Endpoint]:
    name = collection.name
    listing = {"page": 1, "perPage": 30, "totalPages": 1, "totalItems": 1, "items": [example_record(collection)]}
    record = json.dumps(example_record(collection), indent=2)
    return [
        Endpoint(
            "list",
            "List / search",
            "GET",
            path,
            _rule_text(collection.list_rule),
            _LIST_PARAMS,
            curl=_curl("GET", f"{base}{path}?page=1&perPage=30&sort=-created", collection.list_rule),
            js=f"const result = await pb.collection('{name}').getList(1, 30, {{\n  filter: '{_FILTER}',\n}});",
            python=f"result = client.collection({name!r}).get_list(page=1, per_page=30, filter='{_FILTER}')",
            response=json.dumps(listing, indent=2),
        ),
        Endpoint(
            "view",
            "View",
            "GET",
            f"{path}/RECORD_ID",
            _rule_text(collection.view_rule),
            _RECORD_PARAMS,
            curl=_curl("GET", f"{base}{path}/RECORD_ID", collection.view_rule),
            js=f"const record = await pb.collection('{name}').getOne('RECORD_ID', {{ expand: '' }});",
            python=f"record = client.collection({name!r}).get_one('RECORD_ID')",
            response=record,
        ),
    ]


def _writes(collection: Collection, base: str, path: str) -> list[Endpoint]:
    name, body = collection.name, _body(collection)
    record = json.dumps(example_record(collection), indent=2)
    data = json.dumps(body, indent=2)
    one = f"{path}/RECORD_ID"
    return [
        Endpoint(
            "create",
            "Create",
            "POST",
            path,
            _rule_text(collection.create_rule),
            _RECORD_PARAMS,
            [(f.name, f.TYPE, "required" if f.required else "optional") for f in collection.fields if f.name in body],
            curl=_curl("POST", f"{base}{path}", collection.create_rule, body),
            js=f"const record = await pb.collection('{name}').create({data});",
            python=f"record = client.collection({name!r}).create({body!r})",
            response=record,
        ),
        Endpoint(
            "update",
            "Update",
            "PATCH",
            one,
            _rule_text(collection.update_rule),
            _RECORD_PARAMS,
            [(f.name, f.TYPE, "optional") for f in collection.fields if f.name in body],
            curl=_curl("PATCH", f"{base}{one}", collection.update_rule, body),
            js=f"const record = await pb.collection('{name}').update('RECORD_ID', {data});",
            python=f"record = client.collection({name!r}).update('RECORD_ID', {body!r})",
            response=record,
        ),
        Endpoint(
            "delete",
            "Delete",
            "DELETE",
            one,
            _rule_text(collection.delete_rule),
            curl=_curl("DELETE", f"{base}{one}", collection.delete_rule),
            js=f"await pb.collection('{name}').delete('RECORD_ID');",
            python=f"client.collection({name!r}).delete('RECORD_ID')",
            response="(204, no content)",
        ),
    ]


def endpoints(collection: Collection, base_url: str) -> list[Endpoint]:
    """The collection's endpoints with examples against ``base_url``."""
    name, base = collection.name, base_url.rstrip("/")
    path = f"/api/collections/{name}/records"
    result = _reads(collection, base, path)
    if not collection.is_view:
        result += _writes(collection, base, path)
    result.append(
        Endpoint(
            "realtime",
            "Realtime",
            "SSE",
            "/api/realtime",
            "Events are filtered by the list and view rules.",
            js=f"pb.collection('{name}').subscribe('*', (e) => {{\n  console.log(e.action, e.record);\n}});",
            python=f"client.collection({name!r}).subscribe('*', lambda event: print(event))",
            response=json.dumps({"action": "create", "record": example_record(collection)}, indent=2),
        )
    )
    if collection.is_auth:
        auth = f"/api/collections/{name}/auth-with-password"
        credentials = {"identity": "test@example.com", "password": "12345678"}
        result.append(
            Endpoint(
                "auth",
                "Sign in with a password",
                "POST",
                auth,
                "Checked against the collection's auth rule.",
                body=[("identity", "String", "required"), ("password", "String", "required")],
                curl=_curl("POST", f"{base}{auth}", "", credentials),
                js=f"const auth = await pb.collection('{name}').authWithPassword('test@example.com', '12345678');",
                python=f"auth = client.collection({name!r}).auth_with_password('test@example.com', '12345678')",
                response=json.dumps({"token": "JWT_TOKEN", "record": example_record(collection)}, indent=2),
            )
        )
    return result
