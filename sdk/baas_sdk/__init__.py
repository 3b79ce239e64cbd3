"""baas-sdk: a typed Python client for baas and PocketBase servers, sync (``Client``) and async
(``AsyncClient``), with the same surface. See ``docs/sdk.md`` for the reference and a tutorial.
"""

from __future__ import annotations

from ._async_client import (
    AsyncBatch,
    AsyncClient,
    AsyncCollectionService,
    AsyncFileService,
    AsyncRecordService,
    AsyncSettingsService,
)
from ._async_realtime import AsyncRealtime, Subscription
from ._auth import AuthStore, FileAuthStore, token_claims
from ._bulk import FailedRow, ImportReport
from ._calls import Call
from ._client import Batch, Client, CollectionService, FileService, RecordService, SettingsService
from ._exceptions import (
    BaasError,
    BadRequestError,
    ClientResponseError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    TimeoutError,
    TooManyRequestsError,
    UnauthorizedError,
)
from ._files import File
from ._filter import filter_expression, format_datetime
from ._models import AuthResult, BatchResult, ListResult, RealtimeEvent, Record
from ._retry import Retry
from ._sync_realtime import Realtime

__version__ = "0.1.0"

__all__ = [
    "AsyncBatch",
    "AsyncClient",
    "AsyncCollectionService",
    "AsyncFileService",
    "AsyncRealtime",
    "AsyncRecordService",
    "AsyncSettingsService",
    "AuthResult",
    "AuthStore",
    "BaasError",
    "BadRequestError",
    "Batch",
    "BatchResult",
    "Call",
    "Client",
    "ClientResponseError",
    "CollectionService",
    "FailedRow",
    "File",
    "FileAuthStore",
    "FileService",
    "ForbiddenError",
    "ImportReport",
    "ListResult",
    "NetworkError",
    "NotFoundError",
    "Realtime",
    "RealtimeEvent",
    "Record",
    "RecordService",
    "Retry",
    "SettingsService",
    "Subscription",
    "TimeoutError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "__version__",
    "filter_expression",
    "format_datetime",
    "token_claims",
]
