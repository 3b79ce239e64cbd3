"""``python -m baas_sdk.typegen`` against a live server: the module imports and passes mypy --strict."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal, get_type_hints

import baas_sdk
from baas_sdk.typegen import generate

from tests.sdk.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, Target, unique


def test_typegen_module_imports_and_type_checks(target: Target, sync_admin: baas_sdk.Client, tmp_path: Path) -> None:
    prefix = unique("tg")
    authors = f"{prefix}_authors"
    posts = f"{prefix}_posts"
    sync_admin.collections.create({"name": authors, "type": "base", "fields": [{"name": "name", "type": "text"}]})
    author_id = sync_admin.collections.get_one(authors)["id"]
    sync_admin.collections.create({"name": posts, "type": "base", "fields": [
        {"name": "title", "type": "text", "required": True},
        {"name": "status", "type": "select", "values": ["draft", "published"], "maxSelect": 1, "required": True},
        {"name": "labels", "type": "select", "values": ["a", "b"], "maxSelect": 2},
        {"name": "author", "type": "relation", "collectionId": author_id, "maxSelect": 1},
        {"name": "coauthors", "type": "relation", "collectionId": author_id, "maxSelect": 5},
        {"name": "score", "type": "number"}, {"name": "done", "type": "bool"}, {"name": "meta", "type": "json"},
        {"name": "where", "type": "geoPoint"}, {"name": "from", "type": "text"},
    ]})
    output = tmp_path / "schema_types.py"
    subprocess.run(
        [sys.executable, "-m", "baas_sdk.typegen", "--url", target.url, "--email", SUPERUSER_EMAIL,
         "--password", SUPERUSER_PASSWORD, "-o", str(output)],
        check=True, capture_output=True, timeout=120,
    )
    module = load(output)
    cls = "".join(part[:1].upper() + part[1:] for part in posts.split("_"))
    hints: dict[str, Any] = get_type_hints(getattr(module, f"{cls}Record"))
    assert {"id", "title", "status", "author", "coauthors", "from", "expand"} <= set(hints)
    assert hints["status"] == Literal["draft", "published"]
    assert hints["labels"] == list[Literal["a", "b"]]
    assert hints["author"] is str
    assert hints["coauthors"] == list[str]
    assert hints["score"] is float
    expand = get_type_hints(hints["expand"])
    assert expand["coauthors"] == list[getattr(module, f"{cls[: -len('Posts')]}AuthorsRecord")]

    usage = tmp_path / "use_types.py"
    usage.write_text(
        "from schema_types import " + f"{cls}Record\n"
        f"def title(post: {cls}Record) -> str:\n"
        "    author = post['expand']['author']['name']\n"
        "    status: str = post['status']\n"
        "    return post['title'] + author + status + post['from']\n"
    )
    bad = tmp_path / "bad_types.py"
    bad.write_text(f"from schema_types import {cls}Record\nx: {cls}Record = {{'title': 1}}  # wrong\n")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(output), str(usage), str(bad)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert errors, checked.stdout
    assert all(line.startswith("bad_types.py:2:") for line in errors), checked.stdout


def load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def test_generate_handles_keywords_and_missing_targets(tmp_path: Path) -> None:
    text = generate([{"id": "c1", "name": "class", "type": "base", "fields": [
        {"name": "id", "type": "text"}, {"name": "import", "type": "text"},
        {"name": "ref", "type": "relation", "collectionId": "gone", "maxSelect": 1},
        {"name": "secret", "type": "text", "hidden": True},
    ]}])
    (tmp_path / "keyword_types.py").write_text(text)
    module = load(tmp_path / "keyword_types.py")
    hints = get_type_hints(module.ClassRecord)
    assert hints["import"] is str
    assert "secret" not in hints
    assert get_type_hints(module.ClassExpand)["ref"] == dict[str, Any]  # a collection not in the schema

