"""Work and size limits for one template render, checked *before* the work is done.

Sizes are measured the way values print: a string by its length, a list by its items (so a list
holding the same long string a thousand times counts a thousand times, which is what ``join``,
``tojson`` or printing it would produce). Measurements of containers are cached per render, keyed by
identity; the immutable sandbox guarantees they do not change while the template runs.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass, field
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.utils import Namespace

__all__ = [
    "MAX_INT_ARGUMENT",
    "MAX_INT_BITS",
    "MAX_STEPS",
    "MAX_VALUE_CHARS",
    "check_arguments",
    "check_bits",
    "check_join",
    "check_length",
    "check_replace",
    "limited",
    "measure",
    "render_limits",
    "spend",
    "step",
]

MAX_VALUE_CHARS = 256 * 1024
MAX_STEPS = 20_000
MAX_INT_ARGUMENT = 10_000
MAX_INT_BITS = 4096


@dataclass
class _Render:
    steps: int = MAX_STEPS
    sizes: dict[int, tuple[Any, int]] = field(default_factory=dict)  # id -> (the object, kept alive; size)


_current: contextvars.ContextVar[_Render] = contextvars.ContextVar("baas_mail_render")


@contextlib.contextmanager
def render_limits() -> Iterator[None]:
    """Fresh limits for everything rendered inside the block (one mail)."""
    token = _current.set(_Render())
    try:
        yield
    finally:
        _current.reset(token)


def step() -> None:
    render = _current.get()
    render.steps -= 1
    if render.steps < 0:
        raise SecurityError(f"the template takes more than {MAX_STEPS} steps (loop iterations and calls)")


def spend(iterable: Iterable[Any]) -> Iterator[Any]:
    """Iterate, one step per item."""
    for item in iterable:
        step()
        yield item


def _items(value: Any) -> Iterable[Any] | None:
    if isinstance(value, Namespace):
        return _items(object.__getattribute__(value, "_Namespace__attrs"))
    if isinstance(value, Mapping):
        return (part for pair in value.items() for part in pair)
    if isinstance(value, list | tuple | set | frozenset | KeysView | ValuesView | ItemsView):
        return value
    return None


def measure(value: Any) -> int:
    """About how many characters ``value`` prints as; stops counting past ``MAX_VALUE_CHARS``."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 1
    items = _items(value)
    if items is None:
        return 16
    render = _current.get()
    known = render.sizes.get(id(value))
    if known is not None:
        return known[1]
    total = 2
    for item in items:
        total += 2 + measure(item)
        if total > MAX_VALUE_CHARS:
            break
    render.sizes[id(value)] = (value, total)
    return total


def check_length(length: int) -> None:
    if length > MAX_VALUE_CHARS:
        raise SecurityError(f"a value in the template grows beyond {MAX_VALUE_CHARS} characters")


def limited(value: Any) -> Any:
    """``value``, if it is not too big."""
    check_length(measure(value))
    return value


def check_arguments(args: Iterable[Any]) -> None:
    """Arguments may be neither big numbers (widths, counts) nor oversized values."""
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_INT_ARGUMENT:
            raise SecurityError(f"numeric arguments are limited to {MAX_INT_ARGUMENT} in templates")
        limited(arg)


def check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        growth = (text.count(old) if old else len(text) + 1) * max(len(new) - len(old), 0)
        check_length(len(text) + growth)


def check_join(separator: Any, items: Any) -> None:
    if isinstance(separator, str) and isinstance(items, list | tuple):
        check_length(measure(items) + len(separator) * max(len(items) - 1, 0))


def check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise SecurityError("numbers in the template grow too large")
