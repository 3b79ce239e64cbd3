"""The records API and the auth endpoints of one collection, as flows both clients run.

Paths: ``/api/collections/{collection}/records[/{id}]`` and ``/api/collections/{collection}/<auth
action>``. Multipart is used only when the data holds files; the other values then travel as the
``@jsonPayload`` form value, so their JSON types survive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ._auth import AuthStore
from ._calls import Call, Flow, call, compact
from ._exceptions import NotFoundError
from ._files import FileInput, is_file_input
from ._models import AuthResult, ListResult, Record
from ._types import ListOptions, RecordOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["RecordFlows", "record_call", "split_files"]


def split_files(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, FileInput]]]:
    """``data`` without its file values, and those values as ``(field, file)`` parts."""
    plain: dict[str, Any] = {}
    parts: list[tuple[str, FileInput]] = []
    for key, value in data.items():
        if is_file_input(value):
            parts.append((key, value))
        elif isinstance(value, (list, tuple)) and value and all(is_file_input(item) for item in value):
            parts.extend((key, item) for item in value)
        else:
            plain[key] = value
    return plain, parts


def record_call(method: str, path: str, data: Mapping[str, Any] | None, params: Mapping[str, Any]) -> Call:
    """A create/update request: JSON, or multipart when ``data`` has files."""
    plain, parts = split_files(data or {})
    if not parts:
        return Call(method, path, params=params, json=plain)
    import json

    return Call(method, path, params=params, form={"@jsonPayload": json.dumps(plain, default=str)}, files=parts)


def _query(expand: str | None, fields: str | None, query: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**(query or {}), **compact(expand=expand, fields=fields)}


class RecordFlows:
    """Flows for one collection (by name or id)."""

    def __init__(self, auth: AuthStore, collection: str) -> None:
        self.auth = auth
        self.collection = collection
        self.path = f"/api/collections/{quote(collection, safe='')}"
        self.records_path = self.path + "/records"

    def record_path(self, record_id: str) -> str:
        return f"{self.records_path}/{quote(record_id, safe='')}"

    # ----- CRUD -------------------------------------------------------------------------------

    def get_list(
        self,
        page: int = 1,
        per_page: int = 30,
        *,
        filter: str | None = None,
        sort: str | None = None,
        expand: str | None = None,
        fields: str | None = None,
        skip_total: bool = False,
        query: Mapping[str, Any] | None = None,
    ) -> Flow[ListResult[Record]]:
        params = {
            **_query(expand, fields, query),
            **compact(page=page, perPage=per_page, filter=filter, sort=sort, skipTotal=skip_total or None),
        }
        return call(Call("GET", self.records_path, params=params), ListResult.from_json)

    def get_full_list(self, batch: int = 500, **options: Unpack[ListOptions]) -> Flow[list[Record]]:
        items: list[Record] = []
        page = 1
        while True:
            paged: ListOptions = {**options, "skip_total": True}
            result = yield from self.get_list(page, batch, **paged)
            items.extend(result.items)
            if len(result.items) < batch:
                return items
            page += 1

    def get_one(
        self, record_id: str, *, expand: str | None = None, fields: str | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> Flow[Record]:  # fmt: skip
        if not record_id:
            raise NotFoundError(404, "Missing required record id.", {}, self.records_path)
        return call(Call("GET", self.record_path(record_id), params=_query(expand, fields, query)), dict)

    def get_first_list_item(self, filter: str, **options: Unpack[RecordOptions]) -> Flow[Record]:
        result = yield from self.get_list(1, 1, filter=filter, skip_total=True, **options)
        if not result.items:
            raise NotFoundError(404, "The requested resource wasn't found.", {}, self.records_path)
        return result.items[0]

    def create(
        self, data: Mapping[str, Any] | None = None, *, expand: str | None = None,
        fields: str | None = None, query: Mapping[str, Any] | None = None,
    ) -> Flow[Record]:  # fmt: skip
        return call(record_call("POST", self.records_path, data, _query(expand, fields, query)), dict)

    def update(
        self, record_id: str, data: Mapping[str, Any] | None = None, *, expand: str | None = None,
        fields: str | None = None, query: Mapping[str, Any] | None = None,
    ) -> Flow[Record]:  # fmt: skip
        request = record_call("PATCH", self.record_path(record_id), data, _query(expand, fields, query))
        record: Record = yield request
        if self._is_authed(record_id):
            # keep the stored record in step with the server (the token is unchanged)
            self.auth.save(self.auth.token, {**(self.auth.record or {}), **record})
        return record

    def delete(self, record_id: str, *, query: Mapping[str, Any] | None = None) -> Flow[None]:
        yield Call("DELETE", self.record_path(record_id), params=dict(query or {}))
        if self._is_authed(record_id):
            self.auth.clear()

    def _is_authed(self, record_id: str) -> bool:
        record = self.auth.record or {}
        return bool(record) and record.get("id") == record_id and self.collection in (
            record.get("collectionName"), record.get("collectionId"),
        )  # fmt: skip

    # ----- auth -------------------------------------------------------------------------------

    def _auth(self, action: str, body: Mapping[str, Any], params: Mapping[str, Any]) -> Flow[AuthResult]:
        answer = yield Call("POST", f"{self.path}/{action}", json=dict(body), params=params, refresh_first=False)
        result = AuthResult.from_json(answer)
        self.auth.save(result.token, result.record)
        return result

    def list_auth_methods(self) -> Flow[dict[str, Any]]:
        return call(Call("GET", f"{self.path}/auth-methods"), dict)

    def auth_with_password(
        self, identity: str, password: str, *, identity_field: str | None = None, mfa_id: str | None = None,
        expand: str | None = None, fields: str | None = None,
    ) -> Flow[AuthResult]:  # fmt: skip
        body = {"identity": identity, "password": password, **compact(identityField=identity_field, mfaId=mfa_id)}
        return self._auth("auth-with-password", body, _query(expand, fields, None))

    def auth_refresh(self, *, expand: str | None = None, fields: str | None = None) -> Flow[AuthResult]:
        answer = yield Call("POST", f"{self.path}/auth-refresh", params=_query(expand, fields, None),
                            refresh_first=False)  # fmt: skip
        result = AuthResult.from_json(answer)
        self.auth.save(result.token, result.record)
        return result

    def request_otp(self, email: str) -> Flow[str]:
        return call(Call("POST", f"{self.path}/request-otp", json={"email": email}), lambda body: str(body["otpId"]))

    def auth_with_otp(self, otp_id: str, password: str, *, mfa_id: str | None = None) -> Flow[AuthResult]:
        return self._auth("auth-with-otp", {"otpId": otp_id, "password": password, **compact(mfaId=mfa_id)}, {})

    def auth_with_oauth2_code(
        self, provider: str, code: str, code_verifier: str, redirect_url: str, *,
        create_data: Mapping[str, Any] | None = None, mfa_id: str | None = None,
    ) -> Flow[AuthResult]:  # fmt: skip
        body = {"provider": provider, "code": code, "codeVerifier": code_verifier, "redirectURL": redirect_url,
                **compact(createData=create_data, mfaId=mfa_id)}  # fmt: skip
        return self._auth("auth-with-oauth2", body, {})

    def _post(self, action: str, body: Mapping[str, Any]) -> Flow[None]:
        yield Call("POST", f"{self.path}/{action}", json=dict(body))

    def request_verification(self, email: str) -> Flow[None]:
        return self._post("request-verification", {"email": email})

    def confirm_verification(self, token: str) -> Flow[None]:
        return self._post("confirm-verification", {"token": token})

    def request_password_reset(self, email: str) -> Flow[None]:
        return self._post("request-password-reset", {"email": email})

    def confirm_password_reset(self, token: str, password: str, password_confirm: str) -> Flow[None]:
        return self._post("confirm-password-reset",
                          {"token": token, "password": password, "passwordConfirm": password_confirm})  # fmt: skip

    def request_email_change(self, new_email: str) -> Flow[None]:
        return self._post("request-email-change", {"newEmail": new_email})

    def confirm_email_change(self, token: str, password: str) -> Flow[None]:
        return self._post("confirm-email-change", {"token": token, "password": password})

    def impersonate(self, record_id: str, duration: int = 0) -> Flow[AuthResult]:
        """A token for ``record_id`` (superusers only); the caller's own auth store is left alone."""
        body = yield Call("POST", f"{self.path}/impersonate/{quote(record_id, safe='')}",
                          json=compact(duration=duration or None))  # fmt: skip
        return AuthResult.from_json(body)
