"""Blank collection templates per type, and the system collections every installation starts with."""

from __future__ import annotations

from typing import Any

from baas.collections.auth_options import default_auth_options
from baas.collections.model import RULE_NAMES
from baas.ids import field_id

__all__ = [
    "AUTH_SYSTEM_FIELD_NAMES",
    "SUPERUSERS",
    "USERS_ID",
    "auth_index_definitions",
    "auth_system_fields",
    "id_field",
    "scaffold",
    "scaffolds_json",
    "system_collections",
]

SUPERUSERS = "_superusers"
USERS_ID = "_pb_users_auth_"
AUTH_SYSTEM_FIELD_NAMES = ("password", "tokenKey", "email", "emailVisibility", "verified")


def _common(type_name: str, name: str, **options: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": field_id(type_name, name), "name": name, "type": type_name}
    body.update(hidden=False, presentable=False, system=False)
    if type_name != "autodate":
        body.update(help="", required=False)
    body.update(options)
    return body


def _text(name: str, **options: Any) -> dict[str, Any]:
    defaults = {"autogeneratePattern": "", "max": 0, "min": 0, "pattern": "", "primaryKey": False}
    return _common("text", name, **(defaults | options))


def id_field() -> dict[str, Any]:
    return _text(
        "id",
        autogeneratePattern="[a-z0-9]{15}",
        max=15,
        min=15,
        pattern="^[a-z0-9]+$",
        primaryKey=True,
        required=True,
        system=True,
    )


def auth_system_fields() -> list[dict[str, Any]]:
    return [
        _common("password", "password", cost=0, max=0, min=8, pattern="", hidden=True, required=True, system=True),
        _text(
            "tokenKey", autogeneratePattern="[a-zA-Z0-9]{50}", max=60, min=30, hidden=True, required=True, system=True
        ),
        _common("email", "email", exceptDomains=[], onlyDomains=[], required=True, system=True),
        _common("bool", "emailVisibility", system=True),
        _common("bool", "verified", system=True),
    ]


def _autodates(*, system: bool) -> list[dict[str, Any]]:
    return [
        _common("autodate", "created", onCreate=True, onUpdate=False, system=system),
        _common("autodate", "updated", onCreate=True, onUpdate=True, system=system),
    ]


def auth_index_definitions(collection_id: str, table: str) -> list[str]:
    return [
        f"CREATE UNIQUE INDEX `idx_tokenKey_{collection_id}` ON `{table}` (`tokenKey`)",
        f"CREATE UNIQUE INDEX `idx_email_{collection_id}` ON `{table}` (`email`) WHERE `email` != ''",
    ]


def scaffold(collection_type: str) -> dict[str, Any]:
    """A blank collection document of the given type, as served by ``/api/collections/meta/scaffolds``."""
    body: dict[str, Any] = {"id": ""}
    body.update(dict.fromkeys(RULE_NAMES))
    body.update(name="", type=collection_type, fields=[], indexes=[], created="", updated="", system=False)
    if collection_type != "view":
        body["fields"] = [id_field()]
    if collection_type == "auth":
        body["fields"] += auth_system_fields()
        body["indexes"] = auth_index_definitions("", "")
        body.update(default_auth_options())
    if collection_type == "view":
        body["viewQuery"] = ""
    return body


def scaffolds_json() -> dict[str, Any]:
    """The public scaffolds (without the freshly generated token secrets).

    Like PocketBase, the auth scaffold's index names end with a fresh random id, and field keys are in
    the order the API serves them.
    """
    from baas.collections.auth_options import public_auth_options
    from baas.collections.fields import field_from_json
    from baas.ids import random_string

    result = {}
    for kind in ("auth", "base", "view"):
        doc = scaffold(kind)
        doc["fields"] = [field_from_json(item).to_json() for item in doc["fields"]]
        if kind == "auth":
            doc = {**doc, **public_auth_options(doc), "indexes": auth_index_definitions(random_string(10), "")}
        result[kind] = doc
    return result


_OWNER_RULE = "@request.auth.id != '' && recordRef = @request.auth.id && collectionRef = @request.auth.collectionId"


def _system_base(
    collection_id: str, name: str, fields: list[dict[str, Any]], indexes: list[str], *, deletable_by_owner: bool
) -> dict[str, Any]:
    doc = scaffold("base")
    refs = [_text("collectionRef", required=True, system=True), _text("recordRef", required=True, system=True)]
    doc.update(id=collection_id, name=name, system=True, indexes=indexes)
    doc["fields"] = [id_field(), *refs, *fields, *_autodates(system=True)]
    doc.update(listRule=_OWNER_RULE, viewRule=_OWNER_RULE)
    if deletable_by_owner:
        doc["deleteRule"] = _OWNER_RULE
    return doc


def system_collections() -> list[dict[str, Any]]:
    """The collections of a fresh installation, in creation order."""
    superusers = scaffold("auth")
    superusers.update(id="pbc_3142635823", name=SUPERUSERS, system=True)
    superusers["fields"] += _autodates(system=True)
    superusers["indexes"] = auth_index_definitions("pbc_3142635823", SUPERUSERS)
    superusers["authToken"]["duration"] = 86400

    users = scaffold("auth")
    users.update(id=USERS_ID, name="users")
    rule = "id = @request.auth.id"
    users.update(listRule=rule, viewRule=rule, createRule="", updateRule=rule, deleteRule=rule)
    users["fields"] += [
        _text("name", max=255),
        _common(
            "file",
            "avatar",
            maxSelect=1,
            maxSize=0,
            protected=False,
            thumbs=[],
            mimeTypes=["image/jpeg", "image/png", "image/svg+xml", "image/gif", "image/webp"],
        ),
        *_autodates(system=False),
    ]
    users["indexes"] = auth_index_definitions(USERS_ID, "users")
    users["oauth2"]["mappedFields"].update(name="name", avatarURL="avatar")

    # PocketBase's installation order, which is also the default order of the collections list.
    return [
        _system_base(
            "pbc_2279338944",
            "_mfas",
            [_text("method", required=True, system=True)],
            ["CREATE INDEX `idx_mfas_collectionRef_recordRef` ON `_mfas` (collectionRef,recordRef)"],
            deletable_by_owner=False,
        ),
        _system_base(
            "pbc_1638494021",
            "_otps",
            [
                _common(
                    "password", "password", cost=8, max=0, min=0, pattern="", hidden=True, required=True, system=True
                ),
                _text("sentTo", hidden=True, system=True),
            ],
            ["CREATE INDEX `idx_otps_collectionRef_recordRef` ON `_otps` (collectionRef, recordRef)"],
            deletable_by_owner=False,
        ),
        _system_base(
            "pbc_2281828961",
            "_externalAuths",
            [_text("provider", required=True, system=True), _text("providerId", required=True, system=True)],
            [
                "CREATE UNIQUE INDEX `idx_externalAuths_record_provider` ON `_externalAuths` "
                "(collectionRef, recordRef, provider)",
                "CREATE UNIQUE INDEX `idx_externalAuths_collection_provider` ON `_externalAuths` "
                "(collectionRef, provider, providerId)",
            ],
            deletable_by_owner=True,
        ),
        _system_base(
            "pbc_4275539003",
            "_authOrigins",
            [_text("fingerprint", required=True, system=True)],
            [
                "CREATE UNIQUE INDEX `idx_authOrigins_unique_pairs` ON `_authOrigins` "
                "(collectionRef, recordRef, fingerprint)"
            ],
            deletable_by_owner=True,
        ),
        superusers,
        users,
    ]
