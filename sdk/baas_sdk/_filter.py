"""Safe filter building: values are bound as filter-language literals, never spliced as text.

The escaping is the PocketBase JS SDK's ``pb.filter`` (0.26+): strings become double-quoted JSON
strings (``"`` and ``\\`` escaped), numbers and booleans their literal, ``None`` ``null``, datetimes
a quoted ``"YYYY-MM-DD HH:MM:SS.mmmZ"`` in UTC, lists and dicts their JSON text as a string.
Placeholders are replaced in one pass, so a value that itself contains ``{:other}`` stays literal.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from decimal import Decimal
from typing import Any

__all__ = ["filter_expression", "format_datetime"]


def format_datetime(value: dt.datetime | dt.date) -> str:
    """PocketBase's datetime text, in UTC. A naive datetime is taken to be UTC already."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    elif value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot use {value!r} in a filter")
        text = repr(value)
        # the filter language has no exponent notation: spell 1e-07 as 0.0000001
        return format(Decimal(text), "f") if "e" in text.lower() else text
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dt.datetime, dt.date)):
        return json.dumps(format_datetime(value))
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(json.dumps(value, ensure_ascii=False, separators=(",", ":")), ensure_ascii=False)
    raise TypeError(f"cannot use a {type(value).__name__} in a filter")


def filter_expression(raw: str, **params: Any) -> str:
    """``raw`` with every ``{:name}`` replaced by the escaped literal of ``params[name]``.

    >>> filter_expression("title ~ {:title} && n > {:n}", title="it's \\"x\\"", n=2)
    'title ~ "it\\'s \\\\"x\\\\"" && n > 2'
    """
    if not params:
        return raw
    literals = {name: _literal(value) for name, value in params.items()}
    pattern = re.compile("|".join(re.escape("{:" + name + "}") for name in literals))
    return pattern.sub(lambda match: literals[match.group(0)[2:-1]], raw)
