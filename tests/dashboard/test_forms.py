"""The dashboard's form readers, without a server: field editor posts and record form posts."""

from __future__ import annotations

import io

from baas.collections.fields import field_from_json
from baas.collections.model import Collection
from baas.collections.scaffolds import id_field
from baas.files.uploads import Upload
from dashboard.forms import Form
from dashboard.record_form import submission_from_form
from dashboard.schema_form import drafts_from_form, field_body, new_draft, option_inputs, unique_name


def _collection() -> Collection:
    fields = [
        id_field(),
        {"id": "t1", "name": "title", "type": "text", "max": 10},
        {"id": "n1", "name": "score", "type": "number"},
        {"id": "s1", "name": "tags", "type": "select", "values": ["a", "b"], "maxSelect": 2},
        {"id": "b1", "name": "done", "type": "bool"},
        {"id": "d1", "name": "due", "type": "date"},
        {"id": "j1", "name": "meta", "type": "json"},
        {"id": "g1", "name": "place", "type": "geoPoint"},
        {"id": "f1", "name": "docs", "type": "file", "maxSelect": 5},
        {"id": "f2", "name": "avatar", "type": "file", "maxSelect": 1},
        {"id": "r1", "name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
        {"id": "a1", "name": "created", "type": "autodate", "onCreate": True},
    ]
    return Collection(id="c1", name="things", type="base", fields=[field_from_json(f) for f in fields])


def test_field_editor_reads_every_option_by_its_type() -> None:
    current = _collection()
    posted = [
        ("f-0-id", current.fields[0].id),
        ("f-0-name", "renamed-id-ignored"),
        ("f-0-type", "number"),
        ("f-1-id", "t1"),
        ("f-1-name", "headline"),
        ("f-1-type", "text"),
        ("f-1-required", "true"),
        ("f-1-o-max", "20"),
        ("f-1-o-pattern", "^[a-z]+$"),
        ("f-2-id", ""),
        ("f-2-name", "choice"),
        ("f-2-type", "select"),
        ("f-2-o-values", "x\n y \n\nz"),
        ("f-2-o-maxSelect", "3"),
        ("f-3-id", "n1"),
        ("f-3-name", "score"),
        ("f-3-type", "number"),
        ("f-3-o-min", ""),
        ("f-3-o-max", "1.5"),
        ("f-3-o-onlyInt", "true"),
        ("f-4-id", "x"),
        ("f-4-name", "mails"),
        ("f-4-type", "email"),
        ("f-4-o-onlyDomains", "a.com, b.com"),
        ("f-5-id", ""),
        ("f-5-name", "bad"),
        ("f-5-type", "number"),
        ("f-5-o-min", "abc"),
    ]
    drafts = drafts_from_form(posted, current)
    system, text, select, number, email, bad = drafts
    assert system.data["name"] == "id"
    assert system.type == "text"
    assert text.data == {
        **text.data,
        "id": "t1",
        "name": "headline",
        "required": True,
        "max": 20,
        "pattern": "^[a-z]+$",
        "hidden": False,
    }
    assert select.data["values"] == ["x", "y", "z"]
    assert select.data["maxSelect"] == 3
    assert number.data["min"] is None
    assert number.data["max"] == 1.5
    assert number.data["onlyInt"] is True
    assert email.data["onlyDomains"] == ["a.com", "b.com"]
    assert bad.errors == {"min": "Must be a number."}
    body = field_body(drafts)
    assert "id" not in body[2]  # new fields get their id from the server
    assert body[1]["id"] == "t1"


def test_new_fields_and_option_inputs() -> None:
    drafts = [new_draft("text", "field")]
    assert unique_name(drafts, "field") == "field2"
    relation = new_draft("relation", "owner")
    kinds = {o.name: o.kind for o in option_inputs(relation)}
    assert kinds == {"collectionId": "collection", "cascadeDelete": "bool", "minSelect": "int", "maxSelect": "int"}
    assert "primaryKey" not in {o.name for o in option_inputs(new_draft("text", "x"))}


def _upload(key: str, name: str, data: bytes = b"\x89PNG\r\n\x1a\n....") -> Upload:
    return Upload(key=key, filename=name, size=len(data), head=data, file=io.BytesIO(data))


def test_record_form_to_submission() -> None:
    collection = _collection()
    form = Form(
        values=[
            ("title", "Hi"),
            ("score", "4.5"),
            ("tags", "a"),
            ("tags", "b"),
            ("done", "true"),
            ("due", "2030-01-02T03:04"),
            ("meta", '{"k": [1, 2]}'),
            ("place.lon", "13.4"),
            ("place.lat", "52.5"),
            ("owner", ""),
            ("owner", "u1"),
            ("docs-", "old.txt"),
            ("avatar-", "me.png"),
            ("created", "ignored"),
        ],
        uploads=[_upload("docs", "a.png"), _upload("docs", "b.png"), _upload("avatar", "")],
    )
    submission, errors = submission_from_form(collection, form, creating=False)
    assert errors == {}
    values = submission.values
    assert values["title"] == "Hi"
    assert values["score"] == "4.5"
    assert values["tags"] == ["a", "b"]
    assert values["done"] is True
    assert values["due"] == "2030-01-02 03:04:00.000Z"
    assert values["meta"] == {"k": [1, 2]}
    assert values["place"] == {"lon": 13.4, "lat": 52.5}
    assert values["owner"] == "u1"
    assert values["docs-"] == ["old.txt"]
    assert values["avatar"] == ""
    assert "created" not in values
    assert "id" not in values
    assert [u.filename for u in submission.uploads["docs+"]] == ["a.png", "b.png"]
    assert "avatar" not in submission.uploads


def test_record_form_reports_invalid_json_and_unchecked_bools() -> None:
    collection = _collection()
    submission, errors = submission_from_form(collection, Form(values=[("meta", "{oops")]), creating=True)
    assert errors["meta"].startswith("Invalid JSON")
    assert submission.values["done"] is False
    assert "meta" not in submission.values
