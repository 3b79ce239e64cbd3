"""The public names of ``baas_sdk``: exactly ``__all__``, each one importable and documented."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import baas_sdk

EXPECTED = {
    "AsyncBatch", "AsyncClient", "AsyncCollectionService", "AsyncFileService", "AsyncRealtime",
    "AsyncRecordService", "AsyncSettingsService", "AuthResult", "AuthStore", "BaasError", "BadRequestError",
    "Batch", "BatchResult", "Call", "Client", "ClientResponseError", "CollectionService", "FailedRow", "File",
    "FileAuthStore", "FileService", "ForbiddenError", "ImportReport", "ListResult", "NetworkError",
    "NotFoundError", "Realtime", "RealtimeEvent", "Record", "RecordService", "Retry", "SettingsService",
    "Subscription", "TimeoutError", "TooManyRequestsError", "UnauthorizedError", "__version__",
    "filter_expression", "format_datetime", "token_claims",
}


def test_all_is_the_public_surface() -> None:
    assert set(baas_sdk.__all__) == EXPECTED
    assert sorted(baas_sdk.__all__) == baas_sdk.__all__
    public = {
        name for name, value in vars(baas_sdk).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public - set(baas_sdk.__all__) == set(), "public names missing from __all__"
    for name in baas_sdk.__all__:
        assert hasattr(baas_sdk, name)


def test_every_module_declares_all() -> None:
    for module_info in pkgutil.iter_modules(baas_sdk.__path__):
        module = importlib.import_module(f"baas_sdk.{module_info.name}")
        assert isinstance(getattr(module, "__all__", None), list), module.__name__
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_public_classes_and_functions_have_docstrings() -> None:
    for name in baas_sdk.__all__:
        value = getattr(baas_sdk, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name


def test_the_exception_tree() -> None:
    for cls in (baas_sdk.BadRequestError, baas_sdk.UnauthorizedError, baas_sdk.ForbiddenError,
                baas_sdk.NotFoundError, baas_sdk.TooManyRequestsError):
        assert issubclass(cls, baas_sdk.ClientResponseError)
    assert issubclass(baas_sdk.ClientResponseError, baas_sdk.BaasError)
    assert issubclass(baas_sdk.TimeoutError, baas_sdk.NetworkError)
    assert issubclass(baas_sdk.NetworkError, baas_sdk.BaasError)
    tree = inspect.getdoc(importlib.import_module("baas_sdk._exceptions")) or ""
    for name in ("ClientResponseError", "BadRequestError", "UnauthorizedError", "ForbiddenError", "NotFoundError",
                 "TooManyRequestsError", "NetworkError"):
        assert name in tree


def test_sync_and_async_clients_have_the_same_surface() -> None:
    pairs = [(baas_sdk.Client, baas_sdk.AsyncClient), (baas_sdk.RecordService, baas_sdk.AsyncRecordService),
             (baas_sdk.CollectionService, baas_sdk.AsyncCollectionService),
             (baas_sdk.SettingsService, baas_sdk.AsyncSettingsService),
             (baas_sdk.FileService, baas_sdk.AsyncFileService), (baas_sdk.Batch, baas_sdk.AsyncBatch),
             (baas_sdk.Realtime, baas_sdk.AsyncRealtime)]
    for sync_cls, async_cls in pairs:
        sync_names = {n for n in dir(sync_cls) if not n.startswith("_")} - {"close", "aclose"}
        async_names = {n for n in dir(async_cls) if not n.startswith("_")} - {"close", "aclose"}
        assert sync_names == async_names, (sync_cls.__name__, sync_names ^ async_names)
