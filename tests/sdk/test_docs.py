"""The tutorial of docs/sdk.md runs as written, against live servers (one namespace, in order)."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import baas_sdk
import pytest

from tests.sdk.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, Target

DOC = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"


def tutorial_blocks() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    tutorial = text[text.index("\n## Tutorial"):]
    return re.findall(r"```python\n(.*?)```", tutorial, flags=re.DOTALL)


def test_the_tutorial_has_the_promised_parts() -> None:
    code = "\n".join(tutorial_blocks())
    for part in ("collections.create", "import_records", "csv", "get_list", "iterate", "subscribe"):
        assert part in code, part


def test_the_reference_mentions_every_public_name() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in ("get_full_list", "get_first_list_item", "import_records", "auth_with_otp", "impersonate",
                 "FileAuthStore", "get_token", "import_collections", "TooManyRequestsError", "Retry"):
        assert name in text, name


def test_tutorial_runs(target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with baas_sdk.Client(target.url) as admin:
        admin.superuser_login(SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        with contextlib.suppress(baas_sdk.NotFoundError):
            admin.collections.delete("books")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BAAS_URL", target.url)
    monkeypatch.setenv("BAAS_EMAIL", SUPERUSER_EMAIL)
    monkeypatch.setenv("BAAS_PASSWORD", SUPERUSER_PASSWORD)
    namespace: dict[str, Any] = {"__name__": "tutorial"}
    for number, block in enumerate(tutorial_blocks(), 1):
        exec(compile(block, f"docs/sdk.md tutorial block {number}", "exec"), namespace)  # noqa: S102
