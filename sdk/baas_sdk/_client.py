"""``Client``: the blocking façade. Every method runs a shared flow (see ``_calls``) with httpx."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import httpx

if TYPE_CHECKING:
    from typing_extensions import Unpack

from ._admin import CollectionFlows, health, settings_get, settings_update
from ._auth import AuthStore
from ._base import BaseClient, TimeoutTypes
from ._batch import BatchBuilder
from ._bulk import ImportReport, import_records
from ._calls import Call, Flow
from ._exceptions import ClientResponseError
from ._file_urls import file_path, file_query, file_token
from ._filter import filter_expression
from ._models import AuthResult, BatchResult, ListResult, Record
from ._realtime import Callback
from ._records import RecordFlows
from ._retry import Retry
from ._sync_realtime import Realtime
from ._types import AuthOptions, ListOptions, OAuth2Options, RecordOptions

__all__ = ["Batch", "Client", "CollectionService", "FileService", "RecordService", "SettingsService"]

T = TypeVar("T")


class Client(BaseClient):
    """A blocking client for a baas (or PocketBase) server.

    >>> client = Client("http://127.0.0.1:8090")
    >>> client.superuser_login("admin@example.com", "secret")       # doctest: +SKIP
    >>> client.collection("posts").get_list(1, 20, filter=client.filter("title ~ {:q}", q="x"))  # doctest: +SKIP

    Arguments are those of ``BaseClient``; ``transport`` is handed to ``httpx.Client`` (tests use
    it to put a mock or a proxy in between).
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth_store: AuthStore | None = None,
        timeout: TimeoutTypes = 30.0,
        retry: Retry | None = None,
        headers: Mapping[str, str] | None = None,
        refresh_threshold: float = 300.0,
        lang: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, auth_store=auth_store, timeout=timeout, retry=retry, headers=headers,
                         refresh_threshold=refresh_threshold, lang=lang)  # fmt: skip
        self._http = httpx.Client(transport=transport, timeout=timeout)
        self.collections = CollectionService(self)
        self.settings = SettingsService(self)
        self.files = FileService(self)
        self.realtime = Realtime(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.realtime.close()
        self._http.close()

    # ----- running flows ----------------------------------------------------------------------

    def _run(self, flow: Flow[T]) -> T:
        """Drive ``flow``: send each call it yields, feed the answer (or the error) back."""
        answer: Any = None
        error: ClientResponseError | None = None
        while True:
            try:
                request = flow.send(answer) if error is None else flow.throw(error)
            except StopIteration as stop:
                result: T = stop.value
                return result
            try:
                answer, error = self._send(request), None
            except ClientResponseError as exc:
                answer, error = None, exc

    def _send(self, request: Call) -> Any:
        if self.needs_refresh(request):
            self._run(self.refresh_flow())
        positions: dict[int, int] = {}
        attempt = 0
        while True:
            http_request, opened = self.prepare(self._http, request, positions)
            try:
                response = self._http.send(http_request)
                response.read()
            except httpx.TransportError as exc:
                delay = self.retry.after_error(request, attempt, exc)
                if delay is None:
                    raise self.network_error(request, str(http_request.url), exc) from exc
            else:
                delay = self.retry.after_response(request, attempt, response)
                if delay is None:
                    return self.decode(response)
            finally:
                if opened is not None:
                    opened.close()
            attempt += 1
            time.sleep(delay)

    # ----- services ---------------------------------------------------------------------------

    def collection(self, id_or_name: str) -> RecordService:
        """The records (and, for auth collections, the auth endpoints) of one collection."""
        return RecordService(self, id_or_name)

    def batch(self) -> Batch:
        """A new batch: queue writes with ``batch.collection(name).create(...)``, then ``send()``."""
        return Batch(self)

    def filter(self, raw: str, **params: Any) -> str:
        """``raw`` with each ``{:name}`` replaced by the safely escaped ``params[name]``."""
        return filter_expression(raw, **params)

    def health(self) -> dict[str, Any]:
        """``GET /api/health``."""
        return self._run(health())

    def superuser_login(self, email: str, password: str) -> AuthResult:
        """Authenticate as a superuser (``_superusers``); the token goes into ``client.auth``."""
        return self.collection("_superusers").auth_with_password(email, password)

    def send(self, method: str, path: str, **options: Any) -> Any:
        """Any other endpoint: ``options`` are ``Call`` fields (``params``, ``json``, ``headers``...)."""
        return self._run(_single(Call(method, path, **options)))


def _single(request: Call) -> Flow[Any]:
    return (yield request)


class RecordService:
    """``client.collection(name)``: records CRUD, paging, auth, bulk import, realtime."""

    def __init__(self, client: Client, collection: str) -> None:
        self._client = client
        self._flows = RecordFlows(client.auth, collection)
        self.name = collection

    def get_list(self, page: int = 1, per_page: int = 30, **options: Unpack[ListOptions]) -> ListResult[Record]:
        """One page. ``options``: ``filter``, ``sort``, ``expand``, ``fields``, ``skip_total``, ``query``."""
        return self._client._run(self._flows.get_list(page, per_page, **options))

    def get_full_list(self, batch: int = 500, **options: Unpack[ListOptions]) -> list[Record]:
        """Every matching record, fetched ``batch`` at a time (``options`` as in ``get_list``)."""
        return self._client._run(self._flows.get_full_list(batch, **options))

    def iterate(self, batch: int = 500, **options: Unpack[ListOptions]) -> Iterator[Record]:
        """Every matching record, lazily: one page is in memory at a time."""
        page = 1
        while True:
            paged: ListOptions = {**options, "skip_total": True}
            result = self.get_list(page, batch, **paged)
            yield from result.items
            if len(result.items) < batch:
                return
            page += 1

    def get_one(self, record_id: str, **options: Unpack[RecordOptions]) -> Record:
        """One record by id (``options``: ``expand``, ``fields``, ``query``)."""
        return self._client._run(self._flows.get_one(record_id, **options))

    def get_first_list_item(self, filter: str, **options: Unpack[RecordOptions]) -> Record:
        """The first record matching ``filter``; ``NotFoundError`` when there is none."""
        return self._client._run(self._flows.get_first_list_item(filter, **options))

    def create(self, data: Mapping[str, Any] | None = None, **options: Unpack[RecordOptions]) -> Record:
        """Create a record. File values (paths, bytes, file objects, ``File``) are streamed as multipart."""
        return self._client._run(self._flows.create(data, **options))

    def update(
        self, record_id: str, data: Mapping[str, Any] | None = None, **options: Unpack[RecordOptions]
    ) -> Record:
        """Update a record (partial). Keys may carry modifiers: ``tags+``, ``views-``, ``files-``."""
        return self._client._run(self._flows.update(record_id, data, **options))

    def delete(self, record_id: str, *, query: Mapping[str, Any] | None = None) -> None:
        self._client._run(self._flows.delete(record_id, query=query))

    def import_records(
        self, rows: Iterable[Mapping[str, Any]], *, chunk: int = 50, upsert: bool = False,
        progress: Callable[[ImportReport], None] | None = None,
    ) -> ImportReport:  # fmt: skip
        """Create every row through batch requests; failed rows are listed in the report, never skipped."""
        return self._client._run(import_records(self.name, rows, chunk=chunk, upsert=upsert, progress=progress))

    def subscribe(
        self, topic: str, callback: Callback, options: Mapping[str, Any] | None = None
    ) -> Callable[[], None]:
        """Realtime events of this collection: ``topic`` is ``"*"`` or a record id."""
        return self._client.realtime.subscribe(f"{self.name}/{topic}", callback, options)

    def unsubscribe(self, topic: str | None = None) -> None:
        """Stop ``topic`` of this collection, or all of this collection's topics."""
        if topic is None:
            for key in {key.split("?", 1)[0] for key in self._client.realtime._subscribers.topics()}:
                if key.startswith(self.name + "/"):
                    self._client.realtime.unsubscribe(key)
        else:
            self._client.realtime.unsubscribe(f"{self.name}/{topic}")

    # ----- auth -------------------------------------------------------------------------------

    def list_auth_methods(self) -> dict[str, Any]:
        return self._client._run(self._flows.list_auth_methods())

    def auth_with_password(self, identity: str, password: str, **options: Unpack[AuthOptions]) -> AuthResult:
        """Log in; the token is stored in ``client.auth``. With MFA on, raises ``UnauthorizedError``
        whose ``mfa_id`` goes to the second method (``mfa_id=`` option)."""
        return self._client._run(self._flows.auth_with_password(identity, password, **options))

    def auth_refresh(self, *, expand: str | None = None, fields: str | None = None) -> AuthResult:
        return self._client._run(self._flows.auth_refresh(expand=expand, fields=fields))

    def request_otp(self, email: str) -> str:
        """Send a one-time password by email; returns the ``otp_id`` for ``auth_with_otp``."""
        return self._client._run(self._flows.request_otp(email))

    def auth_with_otp(self, otp_id: str, password: str, *, mfa_id: str | None = None) -> AuthResult:
        return self._client._run(self._flows.auth_with_otp(otp_id, password, mfa_id=mfa_id))

    def auth_with_oauth2_code(
        self, provider: str, code: str, code_verifier: str, redirect_url: str, **options: Unpack[OAuth2Options]
    ) -> AuthResult:
        """Exchange an OAuth2 authorization code (``options``: ``create_data``, ``mfa_id``)."""
        return self._client._run(self._flows.auth_with_oauth2_code(provider, code, code_verifier, redirect_url,
                                                                   **options))  # fmt: skip

    def request_verification(self, email: str) -> None:
        self._client._run(self._flows.request_verification(email))

    def confirm_verification(self, token: str) -> None:
        self._client._run(self._flows.confirm_verification(token))

    def request_password_reset(self, email: str) -> None:
        self._client._run(self._flows.request_password_reset(email))

    def confirm_password_reset(self, token: str, password: str, password_confirm: str) -> None:
        self._client._run(self._flows.confirm_password_reset(token, password, password_confirm))

    def request_email_change(self, new_email: str) -> None:
        self._client._run(self._flows.request_email_change(new_email))

    def confirm_email_change(self, token: str, password: str) -> None:
        self._client._run(self._flows.confirm_email_change(token, password))

    def impersonate(self, record_id: str, duration: int = 0) -> Client:
        """A new client authenticated as ``record_id`` (superusers only; the token is not refreshable)."""
        result = self._client._run(self._flows.impersonate(record_id, duration))
        other = Client(self._client.base_url, timeout=self._client.timeout, retry=self._client.retry,
                       headers=self._client.headers)  # fmt: skip
        other.auth.save(result.token, result.record)
        return other


class CollectionService:
    """``client.collections``: the collections API (superusers only)."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._flows = CollectionFlows()

    def get_list(self, page: int = 1, per_page: int = 30, **options: Any) -> ListResult[dict[str, Any]]:
        return self._client._run(self._flows.get_list(page, per_page, **options))

    def get_full_list(self, batch: int = 500, **options: Any) -> list[dict[str, Any]]:
        return self._client._run(self._flows.get_full_list(batch, **options))

    def get_one(self, id_or_name: str) -> dict[str, Any]:
        return self._client._run(self._flows.get_one(id_or_name))

    def create(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return self._client._run(self._flows.create(data))

    def update(self, id_or_name: str, data: Mapping[str, Any]) -> dict[str, Any]:
        return self._client._run(self._flows.update(id_or_name, data))

    def delete(self, id_or_name: str) -> None:
        self._client._run(self._flows.delete(id_or_name))

    def truncate(self, id_or_name: str) -> None:
        """Delete every record of the collection."""
        self._client._run(self._flows.truncate(id_or_name))

    def import_collections(self, collections: Sequence[Mapping[str, Any]], delete_missing: bool = False) -> None:
        """Create or replace collections in one go (``PUT /api/collections/import``)."""
        self._client._run(self._flows.import_collections(collections, delete_missing))

    def get_scaffolds(self) -> dict[str, dict[str, Any]]:
        return self._client._run(self._flows.get_scaffolds())


class SettingsService:
    """``client.settings``: the application settings (superusers only)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get_all(self) -> dict[str, Any]:
        return self._client._run(settings_get())

    def update(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``changes`` (e.g. ``{"batch": {"enabled": True}}``); returns the full settings."""
        return self._client._run(settings_update(changes))


class FileService:
    """``client.files``: URLs of stored files and tokens for protected ones."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get_url(
        self, record: Mapping[str, Any], filename: str, *, thumb: str | None = None, download: bool = False,
        token: str | None = None, query: Mapping[str, Any] | None = None,
    ) -> str:  # fmt: skip
        """The absolute URL of ``filename`` of ``record`` ("" when either is missing)."""
        path = file_path(record, filename)
        return "" if path is None else self._client.build_url(path, file_query(thumb, download, token, query))

    def get_token(self) -> str:
        """A short-lived file token (``token=`` of ``get_url``) for protected files."""
        return self._client._run(file_token())


class Batch(BatchBuilder):
    """Writes queued with ``batch.collection(name).create/update/upsert/delete``, sent in one transaction."""

    def __init__(self, client: Client) -> None:
        super().__init__()
        self._client = client

    def send(self) -> list[BatchResult]:
        return self._client._run(self.flow())
