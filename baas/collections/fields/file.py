"""``file``: the stored name of one uploaded file (``maxSelect`` <= 1) or a list of names.

Uploads themselves go through the record service and the storage backend; this type knows the
options, the names, and PocketBase's checks on both (see :meth:`FileField.check_upload`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine

from baas.collections.fields.base import (
    APPEND,
    MAX_SAFE_INT,
    PREPEND,
    REMOVE,
    Field,
    OptionErrors,
    SettingsContext,
    required_error,
)
from baas.collections.fields.checks import limit_errors
from baas.collections.fields.registry import register
from baas.collections.fields.select import apply_list_modifier, as_list
from baas.collections.fields.values import to_string_list
from baas.errors import FieldError

__all__ = ["DEFAULT_MAX_SIZE", "THUMB_SIZE", "FileField"]

DEFAULT_MAX_SIZE = 5 << 20
# WxH crops from the center, WxHt from the top, WxHb from the bottom, WxHf fits inside; 0 keeps the ratio.
THUMB_SIZE = re.compile(r"([0-9]+)x([0-9]+)(t|b|f)?")
_EMPTY_THUMBS = frozenset({"0x0", "0x0t", "0x0b", "0x0f"})
_MAX_REPORTED_NAME = 250


@register
@dataclass(kw_only=True, eq=False)
class FileField(Field):
    TYPE = "file"
    MODIFIERS = frozenset({APPEND, PREPEND, REMOVE})

    maxSelect: int = 0  # noqa: N815 - the wire name
    maxSize: int = 0  # noqa: N815
    mimeTypes: list[str] = field(default_factory=list)  # noqa: N815
    thumbs: list[str] = field(default_factory=list)
    protected: bool = False

    @property
    def is_multiple(self) -> bool:
        return self.maxSelect > 1

    @property
    def max_files(self) -> int:
        return max(self.maxSelect, 1)

    @property
    def max_size(self) -> int:
        """The largest upload accepted, in bytes."""
        return self.maxSize if self.maxSize > 0 else DEFAULT_MAX_SIZE

    def check_settings(self, context: SettingsContext) -> OptionErrors:
        errors: dict[str, FieldError | dict[str, FieldError]] = {}
        for option in ("maxSelect", "maxSize"):
            error = limit_errors(getattr(self, option), 0, MAX_SAFE_INT)
            if error:
                errors[option] = error
        thumbs: dict[str, FieldError] = {}
        for index, thumb in enumerate(self.thumbs):
            if thumb in _EMPTY_THUMBS:
                thumbs[str(index)] = FieldError("validation_not_in_invalid", "Must not be in list.")
            elif thumb and not THUMB_SIZE.fullmatch(thumb):
                thumbs[str(index)] = FieldError("validation_match_invalid", "Must be in a valid format.")
        if thumbs:
            errors["thumbs"] = thumbs
        return errors

    def column_sql(self) -> str:
        return (
            "text[] COLLATE \"C\" NOT NULL DEFAULT '{}'"
            if self.is_multiple
            else "text COLLATE \"C\" NOT NULL DEFAULT ''"
        )

    def sql_type(self) -> TypeEngine[Any]:
        return ARRAY(Text()) if self.is_multiple else Text()

    def zero(self) -> str | list[str]:
        return [] if self.is_multiple else ""

    def prepare(self, raw: Any) -> str | list[str]:
        """Stored names only; new uploads are added by the record service."""
        return self.normalize(to_string_list(raw))

    def apply_modifier(self, modifier: str, current: Any, raw: Any) -> str | list[str]:
        return self.normalize(apply_list_modifier(modifier, as_list(current), to_string_list(raw)))

    def normalize(self, names: list[str]) -> str | list[str]:
        """A list of names in the stored form (a single file keeps the last one, like PocketBase)."""
        if self.is_multiple:
            return names
        return names[-1] if names else ""

    def validate(self, value: Any) -> None:
        names = as_list(value)
        if not names:
            if self.required:
                raise required_error()
            return
        if len(names) > self.max_files:
            raise FieldError(
                "validation_too_many_files",
                f"The maximum allowed files is {self.max_files}",  # no final period: PocketBase's text
                {"maxSelect": self.max_files},
            )

    def check_known(self, value: Any, previous: Any, uploaded: list[str]) -> None:
        """Reject names that are neither already stored nor uploaded in this request."""
        known = set(as_list(previous)) | set(uploaded)
        unknown = [name[:_MAX_REPORTED_NAME] for name in as_list(value) if name not in known]
        if unknown:
            raise FieldError(
                "validation_invalid_file",
                f"Invalid new files: [{' '.join(unknown)}].",
                {"invalidFiles": unknown},
            )

    def check_upload(self, name: str, original_name: str, size: int, mime_type: str) -> None:
        """PocketBase's checks on one upload: its size, then its detected MIME type."""
        if size > self.max_size:
            raise FieldError(
                "validation_file_size_limit",
                f"Failed to upload {original_name} - the maximum allowed file size is {self.max_size} bytes.",
                {"file": original_name, "maxSize": self.max_size},
            )
        allowed = {allowed.lower() for allowed in self.mimeTypes}
        if allowed and mime_type.partition(";")[0].strip().lower() not in allowed:
            raise FieldError(
                "validation_invalid_mime_type",
                f'"{name}" mime type must be one of: {", ".join(self.mimeTypes)}.',
            )

    def to_json_value(self, value: Any) -> Any:
        if self.is_multiple:
            return as_list(value)
        return value if isinstance(value, str) else ""
