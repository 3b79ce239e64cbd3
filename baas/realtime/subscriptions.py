"""Subscription topics as PocketBase clients send them, and the subscribe form's limits.

A topic is ``COLLECTION/*`` (every record, checked against the listRule), ``COLLECTION/RECORD_ID``
(one record, checked against the viewRule) or the deprecated bare ``COLLECTION`` (same as ``/*``);
the collection may be given by name or id. ``?options=<JSON>`` carries ``{"query": {...}, "headers":
{...}}``: ``query`` may hold ``expand``, ``fields`` and ``filter`` and is also what ``@request.query.*``
sees; header names are normalised like request headers. Topics starting with ``@`` (``@oauth2``) are
not about records. The event name of a delivered message is always the raw topic, options included.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from baas.errors import BadRequestError, FieldError, ValidationError
from baas.rules import normalize_header_name

__all__ = [
    "MAX_CLIENT_ID_LENGTH",
    "MAX_SUBSCRIPTIONS",
    "MAX_TOPIC_LENGTH",
    "WILDCARD",
    "Subscription",
    "parse_form",
    "parse_topic",
]

MAX_SUBSCRIPTIONS = 1000
MAX_TOPIC_LENGTH = 2500
MAX_CLIENT_ID_LENGTH = 255
WILDCARD = "*"
_FORM_MESSAGE = "Something went wrong while processing your request."


@dataclass(frozen=True)
class Subscription:
    """One topic of a client: ``record_id`` is ``WILDCARD`` for ``/*`` and bare collection topics."""

    topic: str
    collection: str
    record_id: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    # The options as a hashable value: topics with equal options share rule answers and renderings.
    options: tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = ((), ())
    rule_name: str = "listRule"
    filter: str = ""


def _as_text(value: Any) -> str:
    """Option values as Go's ``cast.ToString`` renders them (other types become ``""``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return ""


def _options(raw_query: str) -> tuple[dict[str, str], dict[str, str]]:
    raw = parse_qs(raw_query, keep_blank_values=True).get("options", [""])[0]
    if not raw:
        return {}, {}
    try:
        options = json.loads(raw)
    except ValueError:
        return {}, {}
    if not isinstance(options, dict):
        return {}, {}
    query, headers = options.get("query"), options.get("headers")
    return (
        {str(k): _as_text(v) for k, v in query.items()} if isinstance(query, dict) else {},
        {normalize_header_name(str(k)): _as_text(v) for k, v in headers.items()} if isinstance(headers, dict) else {},
    )


def parse_topic(topic: str) -> Subscription:
    """Split a topic; unknown shapes still parse (they simply never match a record event)."""
    path, _, raw_query = topic.partition("?")
    collection, slash, record_id = path.partition("/")
    query, headers = _options(raw_query)
    record_id = record_id if slash else WILDCARD
    return Subscription(
        topic,
        collection,
        record_id,
        query,
        headers,
        options=(tuple(sorted(query.items())), tuple(sorted(headers.items()))),
        rule_name="listRule" if record_id == WILDCARD else "viewRule",
        filter=query.get("filter", "").strip(),
    )


def parse_form(data: Any) -> tuple[str, list[str]]:
    """``(clientId, subscriptions)`` from the POST body, validated like PocketBase's form.

    Raises:
        BadRequestError: a body that is not an object of the expected types.
        ValidationError: a missing or too long clientId, too many or too long topics.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadRequestError(_FORM_MESSAGE)
    client_id = data.get("clientId", "")
    topics = data.get("subscriptions") or []
    if not isinstance(client_id, str) or not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise BadRequestError(_FORM_MESSAGE)
    errors: dict[str, Any] = {}
    if not client_id:
        errors["clientId"] = FieldError("validation_required", "Cannot be blank.")
    elif len(client_id) > MAX_CLIENT_ID_LENGTH:
        errors["clientId"] = FieldError(
            "validation_length_out_of_range",
            f"The length must be between 1 and {MAX_CLIENT_ID_LENGTH}.",
            {"max": MAX_CLIENT_ID_LENGTH, "min": 1},
        )
    if len(topics) > MAX_SUBSCRIPTIONS:
        errors["subscriptions"] = FieldError(
            "validation_length_too_long",
            f"The length must be no more than {MAX_SUBSCRIPTIONS}.",
            {"max": MAX_SUBSCRIPTIONS, "min": 0},
        )
    else:
        too_long = {
            str(index): FieldError(
                "validation_length_too_long",
                f"The length must be no more than {MAX_TOPIC_LENGTH}.",
                {"max": MAX_TOPIC_LENGTH, "min": 0},
            )
            for index, topic in enumerate(topics)
            if len(topic) > MAX_TOPIC_LENGTH
        }
        if too_long:
            errors["subscriptions"] = too_long
    if errors:
        raise ValidationError(errors, _FORM_MESSAGE)
    return client_id, topics
