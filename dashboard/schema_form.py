"""The field editor's form: field types described as inputs, and posted inputs read back as fields.

Inputs are named ``f-<n>-<key>`` for the common settings and ``f-<n>-o-<option>`` for the type's
options; a field type's options are exactly its dataclass attributes, so every type (an extension's
too) gets an editor without code of its own here.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from baas.collections.fields import FIELD_TYPES, Field
from baas.collections.model import Collection

__all__ = [
    "COMMON",
    "TYPE_LABELS",
    "FieldDraft",
    "OptionInput",
    "drafts_from_collection",
    "drafts_from_form",
    "option_inputs",
    "unique_name",
]

COMMON = ("id", "name", "system", "hidden", "presentable", "required", "help")
TYPE_LABELS = {
    "text": "Plain text",
    "editor": "Rich editor",
    "number": "Number",
    "bool": "Bool",
    "email": "Email",
    "url": "URL",
    "date": "DateTime",
    "autodate": "Autodate",
    "select": "Select",
    "file": "File",
    "relation": "Relation",
    "json": "JSON",
    "geoPoint": "Geo point",
    "password": "Password",
}
_LABELS = {
    "pattern": "Validation pattern (regex)",
    "autogeneratePattern": "Autogenerate pattern",
    "onlyInt": "Integers only",
    "onlyDomains": "Only domains",
    "exceptDomains": "Except domains",
    "maxSize": "Max size (bytes)",
    "convertURLs": "Keep URLs as typed",
    "onCreate": "Set on create",
    "onUpdate": "Set on update",
    "values": "Choices",
    "maxSelect": "Max selected",
    "minSelect": "Min selected",
    "collectionId": "Collection",
    "cascadeDelete": "Delete the record when the related record is deleted",
    "mimeTypes": "Allowed MIME types",
    "thumbs": "Thumb sizes",
    "protected": "Protected (needs a file token)",
    "cost": "Hash cost",
    "primaryKey": "Primary key",
}
_HELP = {
    "maxSelect": "1 for a single value; more allows several.",
    "values": "One choice per line.",
    "onlyDomains": "Comma separated.",
    "exceptDomains": "Comma separated.",
    "thumbs": "Comma separated, e.g. 100x100, 0x300.",
    "mimeTypes": "Comma separated, e.g. image/png, image/jpeg. Empty allows any type.",
    "maxSize": "0 uses the default limit.",
    "autogeneratePattern": "A regex-like pattern, e.g. [a-z0-9]{15}.",
}
_KEY = re.compile(r"^f-(\d+)-id$")


@dataclass
class OptionInput:
    """One option of a field type, as an input: ``kind`` is bool, int, float, text, lines or choice."""

    name: str
    kind: str
    label: str
    help: str
    value: Any


@dataclass
class FieldDraft:
    """A field as the editor shows it: its JSON (``data``) and the input errors found while reading it."""

    data: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return str(self.data.get("type", "text"))

    @property
    def system(self) -> bool:
        return bool(self.data.get("system"))

    @property
    def has_required(self) -> bool:
        cls = FIELD_TYPES.get(self.type)
        return cls is None or cls.HAS_REQUIRED


def _kind(hint: Any) -> str:
    args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if bool in args:
        return "bool"
    if float in args:
        return "float"
    if int in args:
        return "int"
    if any(typing.get_origin(a) is list for a in args):
        return "lines"
    return "text"


def _label(type_name: str, name: str) -> str:
    if name in ("min", "max"):
        noun = {"text": " length", "password": " length", "date": " date"}.get(type_name, "")
        return ("Min" if name == "min" else "Max") + noun
    return _LABELS.get(name, name)


def option_inputs(draft: FieldDraft) -> list[OptionInput]:
    """The type-specific options of a field, in declaration order."""
    cls = FIELD_TYPES.get(draft.type)
    if cls is None:
        return []
    hints = typing.get_type_hints(cls)
    inputs = []
    for spec in dataclasses.fields(cls):
        if not spec.init or spec.name in COMMON or (spec.name == "primaryKey" and not draft.system):
            continue
        kind = _kind(hints[spec.name])
        if spec.name == "collectionId":
            kind = "collection"
        if kind == "lines" and spec.name != "values":
            kind = "list"
        inputs.append(
            OptionInput(
                spec.name, kind, _label(draft.type, spec.name), _HELP.get(spec.name, ""), draft.data.get(spec.name)
            )
        )
    return inputs


def drafts_from_collection(collection: Collection) -> list[FieldDraft]:
    return [FieldDraft(f.to_json()) for f in collection.fields]


def _default_json(type_name: str) -> dict[str, Any]:
    cls = FIELD_TYPES[type_name]
    return cls().to_json()


def new_draft(type_name: str, name: str) -> FieldDraft:
    data = _default_json(type_name)
    data["name"] = name
    if type_name == "autodate":
        data["onCreate"] = True
    return FieldDraft(data)


def unique_name(drafts: list[FieldDraft], base: str) -> str:
    taken = {str(d.data.get("name", "")).lower() for d in drafts}
    if base.lower() not in taken:
        return base
    number = 2
    while f"{base}{number}".lower() in taken:
        number += 1
    return f"{base}{number}"


def _read_option(kind: str, raw: str | None, present: bool) -> tuple[Any, str]:
    """(value, error) for one posted option input."""
    if kind == "bool":
        return present, ""
    text = (raw or "").strip()
    if kind == "int":
        if not text:
            return 0, ""
        try:
            return int(text), ""
        except ValueError:
            return 0, "Must be a whole number."
    if kind == "float":
        if not text:
            return None, ""
        try:
            return float(text), ""
        except ValueError:
            return None, "Must be a number."
    if kind == "lines":
        return [line.strip() for line in (raw or "").splitlines() if line.strip()], ""
    if kind == "list":
        return [item.strip() for item in re.split(r"[,\n]", raw or "") if item.strip()], ""
    return raw or "", ""


def drafts_from_form(values: list[tuple[str, str]], previous: Collection | None) -> list[FieldDraft]:
    """Read the posted fields back, in the order they were posted; options follow each field's type."""
    posted: dict[str, list[str]] = {}
    for key, value in values:
        posted.setdefault(key, []).append(value)
    positions = [m.group(1) for key, _ in values if (m := _KEY.match(key))]
    drafts = []
    for n in dict.fromkeys(positions):

        def get(key: str, n: str = n) -> str | None:
            found = posted.get(f"f-{n}-{key}")
            return found[-1] if found else None

        field_id = get("id") or ""
        old = previous.get_field_by_id(field_id) if previous is not None and field_id else None
        type_name = get("type") or (old.TYPE if old else "text")
        if type_name not in FIELD_TYPES or (old is not None and old.system):
            type_name = old.TYPE if old is not None else "text"
        data: dict[str, Any] = {"id": field_id, "type": type_name, "system": bool(old and old.system)}
        data["name"] = old.name if old is not None and old.system else (get("name") or "").strip()
        for flag in ("hidden", "presentable", "required"):
            data[flag] = get(flag) is not None
        data["help"] = get("help") or ""
        draft = FieldDraft(data)
        base = old.to_json() if old is not None and type_name == old.TYPE else _default_json(type_name)
        for option in option_inputs(draft):
            raw = get(f"o-{option.name}")
            if raw is None and option.kind != "bool":
                data[option.name] = base.get(option.name)
                continue
            value, error = _read_option(option.kind, raw, raw is not None)
            data[option.name] = value
            if error:
                draft.errors[option.name] = error
        if old is not None and old.system:
            data.update({k: v for k, v in old.to_json().items() if k in ("hidden", "required", "primaryKey")})
        drafts.append(draft)
    return drafts


def field_body(drafts: list[FieldDraft]) -> list[dict[str, Any]]:
    """The ``fields`` of a collections API body (new fields get their id from the server)."""
    body = []
    for draft in drafts:
        data = dict(draft.data)
        if not data.get("id"):
            data.pop("id", None)
        body.append(data)
    return body


def describe(item: Field) -> str:
    return f"{item.name} ({TYPE_LABELS.get(item.TYPE, item.TYPE)})"
