"""Errors raised by the rule language, as members of the ``baas.errors`` family.

PocketBase answers every bad ``filter``/``sort`` with the generic 400 message and no details, so
``message`` (what the envelope shows) stays generic while ``detail`` says what went wrong; routes
may log it. Exception tree::

    BadRequestError (baas.errors)
    └── RuleError                 400  anything wrong with a filter, sort or rule
        ├── RuleSyntaxError       400  lexing/parsing, with ``position`` (0-based character offset)
        │   └── RuleLimitError    400  length, expression count or sort limits exceeded
        └── InvalidRuleError      400  ``validate_rule``: PocketBase's ``validation_invalid_rule``
    ForbiddenError (baas.errors)
    └── RuleForbiddenError        403  a non-superuser filtered by ``@request.``/``@collection.``
"""

from __future__ import annotations

from baas.errors import BadRequestError, FieldError, ForbiddenError

__all__ = [
    "InvalidRuleError",
    "RuleError",
    "RuleForbiddenError",
    "RuleLimitError",
    "RuleSyntaxError",
]


class RuleError(BadRequestError):
    """A filter, sort or rule that cannot be compiled."""

    def __init__(self, detail: str) -> None:
        super().__init__()
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


class RuleSyntaxError(RuleError):
    """The text does not follow the grammar; ``position`` is a 0-based character offset."""

    def __init__(self, detail: str, position: int) -> None:
        super().__init__(detail)
        self.position = position


class RuleLimitError(RuleSyntaxError):
    """A size limit (length, expressions, sort fields) was exceeded."""


class InvalidRuleError(RuleError):
    """A collection rule that PocketBase would reject with ``validation_invalid_rule``."""

    code = "validation_invalid_rule"

    def __init__(self, cause: RuleError) -> None:
        # PocketBase's wording: "Invalid rule. Raw error: <parser/resolver error>."
        super().__init__(f"Invalid rule. Raw error: {cause.detail.rstrip('.')}.")
        self.cause = cause

    def field_error(self) -> FieldError:
        """The error as a field error, ready to be keyed by the rule name (``listRule``...)."""
        return FieldError(self.code, self.detail)


class RuleForbiddenError(ForbiddenError):
    """A non-superuser used a superuser-only identifier in a filter or sort."""

    def __init__(self, prefix: str) -> None:
        super().__init__(f"Only superusers can filter by {prefix}")
        self.detail = self.message
