"""Imports go one way: routes -> services -> domain (rules, collections, files) -> db -> base.

A module may import modules of its own layer or below, never above. Realtime and push react to
events; no capability imports them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "baas"
DASHBOARD = ROOT / "dashboard"  # its own top-level package, at the routes layer

BASE, DB, DOMAIN, SERVICE, ROUTES = range(5)
LAYER_NAMES = ["base", "db", "domain", "service", "routes"]

# Most specific prefix wins.
LAYERS = {
    "baas.config": BASE,
    "baas.errors": BASE,
    "baas.ids": BASE,
    "baas.dates": BASE,
    "baas.events": BASE,
    "baas.paging": BASE,
    "baas.pick": BASE,
    "baas.db": DB,
    "baas.rules": DOMAIN,
    "baas.collections": DOMAIN,
    "baas.files": DOMAIN,
    "baas.collections.service": SERVICE,
    "baas.collections.listing": SERVICE,
    "baas.records": SERVICE,
    "baas.auth": SERVICE,
    "baas.settings": SERVICE,
    "baas.runtime": SERVICE,
    "baas.bootstrap": SERVICE,
    "baas.realtime": SERVICE,
    "baas.push": SERVICE,
    "baas.mail": SERVICE,
    "baas.api": ROUTES,
    "baas.app": ROUTES,
    "baas.cli": ROUTES,
    "baas.__main__": ROUTES,
    "baas.collections.routes": ROUTES,
    "baas.records.routes": ROUTES,
    "baas.records.body": ROUTES,
    "baas.auth.routes": ROUTES,
    "baas.auth.oauth2.routes": ROUTES,
    "baas.settings.routes": ROUTES,
    "baas.files.routes": ROUTES,
    "baas.files.service": SERVICE,
    "baas.realtime.routes": ROUTES,
    "baas.push.routes": ROUTES,
    "baas.mail.routes": ROUTES,
    "dashboard": ROUTES,
}
EVENT_SUBSCRIBERS = ("baas.realtime", "baas.push")


def layer_of(module: str) -> int | None:
    best = None
    for prefix, layer in LAYERS.items():
        if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, layer)
    return None if best is None else best[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in ("baas", "dashboard")}


MODULES = sorted([*PACKAGE.rglob("*.py"), *DASHBOARD.rglob("*.py")])


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_downwards(path: Path) -> None:
    name = module_name(path)
    own = layer_of(name)
    if name == "baas":
        return
    assert own is not None, f"{name} has no layer: add it to LAYERS"
    for imported in imports_of(path):
        layer = layer_of(imported)
        if layer is None:
            continue
        assert layer <= own, (
            f"{name} ({LAYER_NAMES[own]}) imports {imported} ({LAYER_NAMES[layer]}): imports must point downwards"
        )
        if not name.startswith(EVENT_SUBSCRIBERS) and name not in {"baas.app", "baas.cli"}:
            assert not imported.startswith(EVENT_SUBSCRIBERS), f"{name} imports {imported}; subscribe to events instead"
