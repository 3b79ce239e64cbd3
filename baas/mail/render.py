"""Rendering a ``{subject, body}`` mail template: PocketBase placeholders and Jinja2, sandboxed.

A template is Jinja2 source in which PocketBase's placeholders also work: ``{APP_NAME}`` means
``{{ app_name }}`` and ``{RECORD:name}`` means ``record["name"]``, printed the way PocketBase prints
field values (``true``, ``2024-01-02 10:00:00.000Z``, JSON for lists). Placeholders are rewritten in the
parsed template's literal text, never spliced into the source, so a value can never become template
code. A placeholder whose variable the context lacks stays as it is, as in PocketBase.

The body is HTML: every value is escaped unless marked ``|safe``. The subject is plain text, with line
breaks folded into spaces (so a value cannot add a mail header). Undefined variables are errors
(``StrictUndefined``), and every failure is a ``TemplateError`` whose message says where.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Template, TemplateSyntaxError, meta, nodes
from jinja2.visitor import NodeTransformer

from baas.dates import format_datetime
from baas.mail import layout
from baas.mail.limits import render_limits
from baas.mail.sandbox import MailEnvironment, SecurityError
from baas.mail.text import html_to_text

__all__ = ["PLACEHOLDER", "RenderedMail", "TemplateError", "render", "validate"]

PLACEHOLDER = re.compile(r"\{(RECORD:[^{}\s]+|[A-Z][A-Z0-9_]*)\}")
MAX_SOURCE_CHARS = 64 * 1024
MAX_OUTPUT_CHARS = 512 * 1024


class TemplateError(ValueError):
    """A template that cannot be rendered: bad syntax, an undefined variable, a sandbox violation."""


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    html: str
    text: str


def field_text(value: Any) -> str:
    """A field value as PocketBase's ``record.GetString`` prints it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


_ENVIRONMENTS = {True: MailEnvironment(html=True), False: MailEnvironment(html=False)}
for _environment in _ENVIRONMENTS.values():
    _environment.filters["_text"] = field_text


class _Placeholders(NodeTransformer):
    def __init__(self, names: frozenset[str], fields: frozenset[str] | None) -> None:
        self.names = names
        self.fields = fields  # None: any field (validation without a schema)

    def _expression(self, name: str, lineno: int) -> nodes.Expr | None:
        if name.startswith("RECORD:"):
            field = name[len("RECORD:") :]
            if "record" not in self.names or (self.fields is not None and field not in self.fields):
                return None
            value: nodes.Expr = nodes.Getitem(nodes.Name("record", "load"), nodes.Const(field), "load")
        elif name.lower() in self.names:
            value = nodes.Name(name.lower(), "load")
        else:
            return None
        return nodes.Filter(value, "_text", [], [], None, None, lineno=lineno)

    def visit_TemplateData(self, node: nodes.TemplateData) -> nodes.Node | list[nodes.Node]:  # noqa: N802
        pieces: list[nodes.Node] = []
        start = 0
        for match in PLACEHOLDER.finditer(node.data):
            expression = self._expression(match.group(1), node.lineno)
            if expression is not None:
                pieces += [nodes.TemplateData(node.data[start : match.start()]), expression]
                start = match.end()
        if not pieces:
            return node
        return [*pieces, nodes.TemplateData(node.data[start:])]


@functools.lru_cache(maxsize=256)
def _compile(source: str, html: bool, names: frozenset[str], fields: frozenset[str] | None) -> Template:
    environment = _ENVIRONMENTS[html]
    tree = environment.bound(_Placeholders(names, fields).visit(environment.parse(source)))
    return environment.from_string(tree)


def _source(template: Mapping[str, Any], key: str) -> str:
    value = template.get(key, "") if isinstance(template, Mapping) else None
    if not isinstance(value, str):
        raise TemplateError(f"{key}: must be a string")
    if len(value) > MAX_SOURCE_CHARS:
        raise TemplateError(f"{key}: longer than {MAX_SOURCE_CHARS} characters")
    return value


def _template_line(exc: BaseException) -> int | None:
    lineno = getattr(exc, "lineno", None)
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            lineno = traceback.tb_lineno
        traceback = traceback.tb_next
    return lineno if isinstance(lineno, int) else None


def _describe(key: str, exc: Exception) -> str:
    line = _template_line(exc)
    where = f"{key}, line {line}" if line else key
    message = exc.message if isinstance(exc, TemplateSyntaxError) and exc.message else str(exc)
    return f"{where}: {message or type(exc).__name__}"


def _render_part(
    template: Mapping[str, Any], key: str, context: Mapping[str, Any], fields: frozenset[str] | None
) -> str:
    source = _source(template, key)
    try:
        compiled = _compile(source, key == "body", frozenset(context), fields)
        size, chunks = 0, []
        for chunk in compiled.generate(dict(context)):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise SecurityError(f"the output is longer than {MAX_OUTPUT_CHARS} characters")
            chunks.append(chunk)
    except Exception as exc:  # the template is user code: any failure is the template's
        raise TemplateError(_describe(key, exc)) from None
    return "".join(chunks)


def _fields(context: Mapping[str, Any]) -> frozenset[str]:
    record = context.get("record")
    return frozenset(str(key) for key in record) if isinstance(record, Mapping) else frozenset()


def render(template: Mapping[str, Any], context: Mapping[str, Any]) -> RenderedMail:
    """Render ``{subject, body}`` with ``context`` (Jinja variable name -> value; ``record`` a mapping)."""
    with render_limits():
        subject = _render_part(template, "subject", context, _fields(context))
        body = _render_part(template, "body", context, _fields(context))
    return RenderedMail(subject=" ".join(subject.split()), html=layout.wrap(body), text=html_to_text(body))


class _AnyRecord(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return f"sample {key}"


def validate(template: Mapping[str, Any], variables: Iterable[str], record_fields: Iterable[str] | None) -> str | None:
    """Why ``template`` cannot be rendered with ``variables`` (plus ``record``), or None when it can.

    Checks the syntax, that every variable it reads exists, and renders it once with sample values.
    ``record_fields`` None accepts any ``record`` field.
    """
    names = {*variables, "record"}
    fields = None if record_fields is None else frozenset(record_fields)
    record: dict[str, Any] = _AnyRecord() if fields is None else {name: f"sample {name}" for name in fields}
    context: dict[str, Any] = {name: f"sample {name}" for name in names} | {"record": record}
    try:
        for key in ("subject", "body"):
            environment = _ENVIRONMENTS[key == "body"]
            source = _source(template, key)
            try:
                unknown = meta.find_undeclared_variables(environment.parse(source)) - names - set(environment.globals)
            except TemplateSyntaxError as exc:
                raise TemplateError(_describe(key, exc)) from None
            if unknown:
                raise TemplateError(
                    f"{key}: unknown variable {sorted(unknown)[0]!r} (available: {', '.join(sorted(names))})"
                )
        with render_limits():
            for key in ("subject", "body"):
                _render_part(template, key, context, fields)
    except TemplateError as exc:
        return str(exc)
    return None
