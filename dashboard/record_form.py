"""Record forms generated from a collection's fields: the inputs to show, and the posted form read back
as a records-service submission (values with PocketBase's modifiers, and uploads)."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any

from baas.collections.fields import Field, FileField, RelationField, SelectField
from baas.collections.model import Collection
from baas.files.uploads import Upload
from baas.records.submission import Submission
from dashboard.display import as_list, datetime_local, file_url, is_image, json_text, number_text
from dashboard.forms import Form

__all__ = ["RecordInput", "inputs_for", "record_label", "submission_from_form"]

# Shown read-only, or by their own forms (password on edit), never as plain inputs.
_SKIPPED = {"tokenKey"}
_LABEL_FIELDS = ("name", "title", "label", "email", "username", "slug")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(\.\d+)?$")


@dataclass
class RecordInput:
    """One input of a record form; ``kind`` picks the widget in ``records/inputs.html.j2``."""

    field: Field
    kind: str
    value: Any
    error: str = ""
    multiple: bool = False
    choices: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    files: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    target: Collection | None = None

    @property
    def name(self) -> str:
        return self.field.name


def record_label(collection: Collection, document: dict[str, Any]) -> str:
    """A short human label: the presentable fields, else a name-like field, else the id."""
    parts = [str(document.get(f.name)) for f in collection.fields if f.presentable and document.get(f.name)]
    if not parts:
        parts = [str(document[n]) for n in _LABEL_FIELDS if document.get(n)][:1]
    label = ", ".join(parts) or str(document.get("id", ""))
    return label if len(label) <= 60 else label[:59] + "…"


def _kind(item: Field) -> str:
    kinds = {
        "text": "text",
        "editor": "editor",
        "number": "number",
        "bool": "bool",
        "email": "email",
        "url": "url",
        "date": "datetime",
        "autodate": "readonly",
        "select": "select",
        "file": "file",
        "relation": "relation",
        "json": "json",
        "geoPoint": "geo",
        "password": "password",
    }
    return kinds.get(item.TYPE, "text")


def _value(item: Field, document: dict[str, Any] | None) -> Any:
    value = document.get(item.name) if document else None
    kind = _kind(item)
    if kind == "datetime":
        return datetime_local(value)
    if kind == "number":
        return number_text(value)
    if kind == "json":
        return "" if value is None else json_text(value)
    if kind == "geo":
        return value if isinstance(value, dict) else {"lon": 0, "lat": 0}
    if kind in ("select", "relation", "file"):
        return [str(v) for v in as_list(value)]
    return "" if value is None else value


def inputs_for(
    collection: Collection,
    document: dict[str, Any] | None,
    errors: dict[str, str],
    *,
    relation_choices: dict[str, list[tuple[str, str]]],
    relation_targets: dict[str, Collection],
    file_token: str = "",
) -> list[RecordInput]:
    """The inputs of a create (``document`` None) or edit form."""
    inputs = []
    for item in collection.fields:
        if item.name in _SKIPPED or (item.name == "password" and collection.is_auth and document is not None):
            continue
        if item.TYPE == "autodate" or (item.name == "id" and document is not None):
            continue
        kind = _kind(item)
        entry = RecordInput(item, kind, _value(item, document), errors.get(item.name, ""), item.is_multiple)
        if isinstance(item, SelectField):
            entry.choices = [(v, v) for v in item.values]
        elif isinstance(item, RelationField):
            entry.choices = relation_choices.get(item.name, [])
            entry.target = relation_targets.get(item.name)
        elif isinstance(item, FileField) and document is not None:
            token = file_token if item.protected else ""
            entry.files = [
                {
                    "name": name,
                    "url": file_url(collection.id, str(document["id"]), name, token=token),
                    "thumb": file_url(collection.id, str(document["id"]), name, thumb="100x100", token=token)
                    if is_image(name)
                    else "",
                }
                for name in entry.value
            ]
        inputs.append(entry)
    return inputs


def _date(text: str) -> str:
    text = text.strip()
    match = _DATETIME.match(text)
    if not match:
        return text
    return f"{match.group(1)} {match.group(2)}{match.group(3) or ':00'}.000Z"


def _geo(form: Form, name: str, errors: dict[str, str]) -> dict[str, float]:
    point = {}
    for axis in ("lon", "lat"):
        raw = form.get(f"{name}.{axis}").strip() or "0"
        try:
            point[axis] = float(raw)
        except ValueError:
            errors[name] = "Longitude and latitude must be numbers."
            point[axis] = 0.0
    return point


def submission_from_form(collection: Collection, form: Form, *, creating: bool) -> tuple[Submission, dict[str, str]]:
    """The submission for the records service, and input errors found before it (invalid JSON...)."""
    values: dict[str, Any] = {}
    uploads: dict[str, list[Upload]] = {}
    errors: dict[str, str] = {}
    for item in collection.fields:
        name, kind = item.name, _kind(item)
        if kind == "readonly" or name in _SKIPPED or (name == "id" and not creating):
            continue
        if kind == "password":
            if creating or not collection.is_auth:
                if form.get(name) or creating:
                    values[name] = form.get(name)
                if collection.is_auth:
                    values["passwordConfirm"] = form.get("passwordConfirm")
            continue
        if name == "id":
            if form.get(name).strip():
                values[name] = form.get(name).strip()
        elif kind == "bool":
            values[name] = form.has(name)
        elif kind == "datetime":
            values[name] = _date(form.get(name))
        elif kind in ("select", "relation"):
            chosen = [v for v in form.getall(name) if v]
            values[name] = chosen if item.is_multiple else (chosen[-1] if chosen else "")
        elif kind == "json":
            text = form.get(name).strip()
            try:
                values[name] = json.loads(text) if text else None
            except ValueError as exc:
                errors[name] = f"Invalid JSON: {exc}."
        elif kind == "geo":
            values[name] = _geo(form, name, errors)
        elif kind == "file":
            _files(item, form, creating, values, uploads)
        else:
            values[name] = form.get(name)
    return Submission(values=values, uploads=uploads), errors


def _files(item: Field, form: Form, creating: bool, values: dict[str, Any], uploads: dict[str, list[Upload]]) -> None:
    name = item.name
    new = [u for u in form.files(name) if u.filename and u.size]
    for upload in form.files(name):
        if upload not in new:
            upload.close()
    removed = [v for v in form.getall(f"{name}-") if v]
    if item.is_multiple:
        if new:
            for upload in new:
                upload.key = f"{name}+"
            uploads[f"{name}+"] = new
        if removed and not creating:
            values[f"{name}-"] = removed
    elif new:
        new[-1].key = name
        uploads[name] = new[-1:]
        for upload in new[:-1]:
            upload.close()
    elif removed and not creating:
        values[name] = ""
