"""The Jinja2 environment mail templates run in: sandboxed, immutable, no loader, bounded.

Templates are written by superusers, but they run inside the server process, so they get no way out:
no filesystem (no loader, so ``include``/``extends``/``import`` are refused), no Python internals
(the immutable sandbox: no ``__class__``, no mutation of lists or dicts), only a curated set of
filters and methods, and bounded work (``baas.mail.limits``): every loop iteration and every call
(macros included) is a step from one budget per render (recursive ``for`` loops are refused), and
whatever builds or prints a value (``~``, ``+``, ``*``, ``%``, ``join``, ``replace``, filters,
``{{ output }}``) is size-checked before it runs, so a template cannot allocate its way to a gigabyte.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_eval_context
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from baas.mail.limits import (
    check_arguments,
    check_bits,
    check_join,
    check_length,
    check_replace,
    limited,
    measure,
    spend,
    step,
)

__all__ = ["MailEnvironment", "SecurityError"]

_FILTERS = (
    "abs",
    "attr",
    "batch",
    "capitalize",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "forceescape",
    "groupby",
    "int",
    "items",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "slice",
    "sort",
    "string",
    "striptags",
    "title",
    "tojson",
    "trim",
    "truncate",
    "unique",
    "upper",
    "urlencode",
    "wordcount",
    "xmlattr",
)
_METHODS = frozenset(
    {
        "capitalize",
        "casefold",
        "count",
        "endswith",
        "find",
        "get",
        "index",
        "isalnum",
        "isalpha",
        "isdigit",
        "islower",
        "isspace",
        "istitle",
        "isupper",
        "items",
        "join",
        "keys",
        "lower",
        "lstrip",
        "partition",
        "removeprefix",
        "removesuffix",
        "replace",
        "rfind",
        "rpartition",
        "rsplit",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "upper",
        "values",
        "is_integer",
    }
)
_BUILTIN_TYPES = (str, bytes, int, float, complex, dict, list, tuple, set, frozenset)
# printf-style field widths/precisions ("%9999d", "%.9999f", "%*d") that would pad a string out.
_PERCENT_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _guard_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    # Filters marked pass_context/pass_eval_context/pass_environment get that object first.
    first = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(function)  # keeps ``jinja_pass_arg``
    def guarded(*given: Any, **kwargs: Any) -> Any:
        args = list(given)
        if name == "join" and len(args) > first and not isinstance(args[first], list | tuple):
            args[first] = list(spend(args[first]))
        check_arguments([*args[first:], *kwargs.values()])
        if name == "join" and len(args) > first:
            check_join(args[first + 1] if len(args) > first + 1 else kwargs.get("d", ""), args[first])
        if name == "replace" and len(args) > first + 2:
            check_replace(args[first], args[first + 1], args[first + 2])
        return limited(function(*args, **kwargs))

    return guarded


@pass_eval_context
def _concat(eval_context: EvalContext, values: list[Any]) -> str:
    """``a ~ b ~ c``, measured before the strings are made (what Jinja's own ``~`` compiles to)."""
    check_length(sum(measure(value) for value in values))
    result: str = (markup_join if eval_context.autoescape else str_join)(values)
    return result


class _Bound(NodeTransformer):
    """Route every loop through the step budget and every ``~`` through ``_concat``."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802 (jinja's visitor naming)
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, "_steps", [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        operands = nodes.List(node.nodes, lineno=node.lineno)
        return nodes.Filter(operands, "_concat", [], [], None, None, lineno=node.lineno)


class MailEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox for one output kind: ``html=True`` escapes values, ``html=False`` (subjects) does not.

    Render only inside ``baas.mail.limits.render_limits()``.
    """

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *, html: bool) -> None:
        super().__init__(autoescape=html, undefined=StrictUndefined, loader=None, auto_reload=False, finalize=limited)
        self.filters = {name: _guard_filter(name, FILTERS[name]) for name in _FILTERS}
        self.filters["_steps"] = spend
        self.filters["_concat"] = _concat
        self.globals = {
            "range": range,
            "dict": dict,
            "namespace": self.globals["namespace"],
            "cycler": self.globals["cycler"],
            "joiner": self.globals["joiner"],
        }

    def bound(self, template: nodes.Template) -> nodes.Template:
        """Reject file access and recursive loops; wrap loops and concatenation (see ``_Bound``)."""
        for node in template.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            name = type(node).__name__.lower()
            raise SecurityError(f"'{name}' is not available in mail templates (line {node.lineno})")
        for loop in template.find_all(nodes.For):
            if loop.recursive:  # its inner ``loop(...)`` calls would bypass the step budget
                raise SecurityError(f"recursive loops are not available in mail templates (line {loop.lineno})")
        result: nodes.Template = _Bound().visit(template)
        return result

    def is_safe_callable(self, obj: Any) -> bool:
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, _BUILTIN_TYPES) and getattr(obj, "__name__", "") not in _METHODS:
            return False
        return bool(super().is_safe_callable(obj))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        step()
        if not __self.is_safe_callable(__obj):
            name = getattr(__obj, "__name__", type(__obj).__name__)
            raise SecurityError(f"{name!r} is not available in mail templates")
        owner, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", "")
        if name == "join" and isinstance(owner, str) and args and not isinstance(args[0], list | tuple):
            args = (list(spend(args[0])), *args[1:])
        check_arguments([*args, *kwargs.values()])
        if isinstance(owner, _BUILTIN_TYPES):
            limited(owner)
            if name == "join" and args:
                check_join(owner, args[0])
            if name == "replace" and len(args) >= 2:
                check_replace(owner, args[0], args[1])
        return limited(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        if super().wrap_str_format(value) is None:
            return None

        def refused(*_args: Any, **_kwargs: Any) -> str:
            raise SecurityError("str.format is not available in mail templates; use ~ or filters")

        return refused

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        sized = (str, list, tuple)
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, sized) and isinstance(times, int):
                    check_length(measure(seq) * max(times, 0))
            if isinstance(left, int) and isinstance(right, int):
                check_bits(left.bit_length() + right.bit_length())
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0:
                check_bits(max(left.bit_length(), 1) * right)
        elif operator == "%" and isinstance(left, str):
            for width, precision in _PERCENT_WIDTH.findall(left):
                check_arguments(int(n) for n in (width, precision) if n.isdigit())
                if "*" in (width, precision):
                    check_arguments(right if isinstance(right, tuple) else (right,))
            check_length(len(left) + measure(right))
        elif operator == "+" and (isinstance(left, sized) or isinstance(right, sized)):
            check_length(measure(left) + measure(right))
        return limited(super().call_binop(context, operator, left, right))
