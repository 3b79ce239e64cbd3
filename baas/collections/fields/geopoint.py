"""``geoPoint``: ``{"lon": n, "lat": n}``; the zero point counts as empty."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

from baas.collections.fields.base import Field, required_error
from baas.collections.fields.checks import json_number
from baas.collections.fields.registry import register
from baas.collections.fields.values import parse_json
from baas.errors import FieldError

__all__ = ["GeoPointField"]


@register
@dataclass(kw_only=True, eq=False)
class GeoPointField(Field):
    TYPE = "geoPoint"

    def column_sql(self) -> str:
        return """jsonb NOT NULL DEFAULT '{"lon":0,"lat":0}'"""

    def sql_type(self) -> TypeEngine[Any]:
        return JSONB()

    def zero(self) -> dict[str, float]:
        return {"lon": 0.0, "lat": 0.0}

    def prepare(self, raw: Any) -> dict[str, float]:
        """An object (or its JSON text); a missing or null coordinate is 0, extra keys are dropped."""
        if raw is None or raw == "":
            return self.zero()
        if isinstance(raw, str):
            try:
                raw = parse_json(raw)
            except ValueError:
                raise _invalid_point() from None
        if not isinstance(raw, dict):
            raise _invalid_point()
        return {"lon": _coordinate(raw.get("lon")), "lat": _coordinate(raw.get("lat"))}

    def validate(self, value: Any) -> None:
        if not isinstance(value, dict):
            raise _invalid_point()
        lon, lat = value.get("lon"), value.get("lat")
        if not isinstance(lon, int | float) or not isinstance(lat, int | float):
            raise _invalid_point()
        if not _is_number(lon) or not _is_number(lat):
            raise _invalid_point()
        if lon == 0 and lat == 0:
            if self.required:
                raise required_error()
            return
        if not -90 <= lat <= 90:
            raise FieldError("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees.")
        if not -180 <= lon <= 180:
            raise FieldError("validation_invalid_longitude", "Longitude must be between -180 and 180 degrees.")

    def is_empty(self, value: Any) -> bool:
        return not isinstance(value, dict) or (value.get("lon") == 0 and value.get("lat") == 0)

    def to_json_value(self, value: Any) -> dict[str, int | float]:
        point = value if isinstance(value, dict) else {}
        lon, lat = point.get("lon", 0), point.get("lat", 0)
        return {
            "lon": json_number(float(lon)) if _is_number(lon) else 0,
            "lat": json_number(float(lat)) if _is_number(lat) else 0,
        }


def _coordinate(raw: Any) -> float:
    if raw is None:
        return 0.0
    if not _is_number(raw):
        raise _invalid_point()
    return float(raw)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float range
        return False


def _invalid_point() -> FieldError:
    return FieldError("validation_invalid_geo_point", 'Must be an object like {"lon":0,"lat":0}.')
