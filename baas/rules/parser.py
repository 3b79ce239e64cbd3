"""Parse filter text into an expression tree.

The grammar is PocketBase's (``fexpr``): ``group (('&&'|'||') group)*`` where a group is a
parenthesised expression or ``operand OP operand``. PocketBase joins the groups into SQL as a flat
``a OR b AND c``, so SQL precedence applies: ``&&`` binds tighter than ``||``; the tree built here
makes that explicit.

Parsing is iterative (an explicit stack of open groups), so nesting depth never reaches Python's
recursion limit; redundant parentheses collapse, which keeps the tree no deeper than the number of
comparisons (at most ``MAX_EXPRESSIONS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from baas.rules.ast import (
    And,
    Call,
    Comparison,
    Expr,
    Identifier,
    Number,
    Op,
    Operand,
    Or,
    Text,
    walk_comparisons,
)
from baas.rules.errors import RuleLimitError, RuleSyntaxError
from baas.rules.lexer import Kind, Token, tokenize

__all__ = ["MAX_EXPRESSIONS", "MAX_FILTER_LENGTH", "MAX_NESTING", "parse"]

#: PocketBase's limit for a ``?filter=`` (characters).
MAX_FILTER_LENGTH = 3500
#: PocketBase's limit of comparisons per filter or rule.
MAX_EXPRESSIONS = 200
#: Nesting of alternating ``&&``/``||`` groups (redundant parentheses do not count); deeper trees
#: would exhaust the recursion of SQLAlchemy's compiler. PocketBase has no such limit.
MAX_NESTING = 64
# function calls only take plain operands in practice; a small bound keeps recursion trivial
_MAX_CALL_DEPTH = 8

_OPERAND_KINDS = (Kind.IDENT, Kind.TEXT, Kind.NUMBER)


@dataclass
class _Group:
    """An open parenthesised group (or the top level) while parsing."""

    open_pos: int | None
    items: list[tuple[str, Expr]] = field(default_factory=list)
    join: str = "&&"
    step: str = "left"  # left -> sign -> right -> join -> left ...
    left: Operand | None = None
    op: Op | None = None


def parse(
    text: str,
    *,
    max_length: int | None = MAX_FILTER_LENGTH,
    max_expressions: int = MAX_EXPRESSIONS,
) -> Expr:
    """Parse a filter or rule.

    Args:
        text: the filter text.
        max_length: maximum number of characters (``None`` for no limit, as for stored rules).
        max_expressions: maximum number of comparisons.

    Raises:
        RuleSyntaxError: when the text is not a valid filter; ``position`` points at the problem.
        RuleLimitError: when a limit is exceeded.
    """
    if max_length is not None and len(text) > max_length:
        raise RuleLimitError(f"filter is too long: {len(text)} characters (max {max_length})", max_length)
    return _parse_cached(text, max_expressions)


@lru_cache(maxsize=1024)
def _parse_cached(text: str, max_expressions: int) -> Expr:
    tokens = tokenize(text)
    stack = [_Group(open_pos=None)]
    count = 0
    i = 0
    while True:
        tok = tokens[i]
        group = stack[-1]
        if tok.kind is Kind.EOF:
            break
        if tok.kind is Kind.LPAREN and group.step == "left":
            stack.append(_Group(open_pos=tok.pos))
        elif tok.kind is Kind.RPAREN and len(stack) > 1 and group.step in ("join", "left"):
            if group.step == "left" and group.items:
                raise _unexpected(tok, "an operand")
            stack.pop()
            parent = stack[-1]
            # like PocketBase, an empty group "()" is dropped
            if group.items:
                parent.items.append((parent.join, _fold(group.items)))
            parent.step = "join"
        elif tok.kind in _OPERAND_KINDS and group.step in ("left", "right"):
            operand, i = _parse_operand(tokens, i, 0)
            if group.step == "left":
                group.left, group.step = operand, "sign"
                continue
            count += 1
            if count > max_expressions:
                raise RuleLimitError(f"too many expressions (max {max_expressions})", tok.pos)
            assert group.left is not None
            assert group.op is not None
            node = Comparison(group.left, group.op, operand, _operand_pos(group.left))
            group.items.append((group.join, node))
            group.step = "join"
            continue
        elif tok.kind is Kind.SIGN and group.step == "sign":
            group.op, group.step = Op(tok.value), "right"
        elif tok.kind is Kind.JOIN and group.step == "join":
            group.join, group.step = tok.value, "left"
        else:
            raise _unexpected(tok, _EXPECTED[group.step])
        i += 1

    if len(stack) > 1:
        pos = stack[1].open_pos or 0
        raise RuleSyntaxError(f"invalid formatted group - missing {len(stack) - 1} closing bracket(s)", pos)
    top = stack[0]
    if top.step != "join":
        if len(tokens) == 1:
            raise RuleSyntaxError("empty filter expression", len(text))
        raise RuleSyntaxError("invalid or incomplete filter expression", len(text))
    if not top.items:
        raise RuleSyntaxError("empty filter expression", len(text))
    expr = _fold(top.items)
    _check_depth(expr)
    return expr


def _check_depth(expr: Expr) -> None:
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Comparison):
            continue
        if depth > MAX_NESTING:
            first = walk_comparisons(node)[0]
            raise RuleLimitError(f"filter is nested too deeply at {first.pos} (max {MAX_NESTING} levels)", first.pos)
        stack.extend((item, depth + 1) for item in node.items)


_EXPECTED = {
    "left": "an operand (identifier, text or number) or '('",
    "sign": "an operator (=, !=, ~, !~, <, <=, >, >= or a ?-prefixed one)",
    "right": "an operand (identifier, text or number)",
    "join": "&& or ||",
}


def _unexpected(tok: Token, expected: str) -> RuleSyntaxError:
    shown = tok.value if tok.kind is not Kind.TEXT else repr(tok.value)
    if tok.kind is Kind.EOF:
        return RuleSyntaxError(f"unexpected end of input at {tok.pos}: expected {expected}", tok.pos)
    return RuleSyntaxError(f"unexpected token {shown!r} at {tok.pos}: expected {expected}", tok.pos)


def _parse_operand(tokens: list[Token], i: int, depth: int) -> tuple[Operand, int]:
    """Parse the operand starting at ``tokens[i]``; returns it and the index after it."""
    tok = tokens[i]
    if tok.kind is Kind.TEXT:
        return Text(tok.value, tok.pos), i + 1
    if tok.kind is Kind.NUMBER:
        return Number(float(tok.value), tok.value, tok.pos), i + 1
    if tok.kind is not Kind.IDENT:
        raise _unexpected(tok, "an operand (identifier, text or number)")
    if not tok.call:
        return Identifier(tok.value, tok.pos), i + 1
    if depth >= _MAX_CALL_DEPTH:
        raise RuleSyntaxError(f"function calls nested too deeply at {tok.pos}", tok.pos)
    # tokens[i + 1] is the "(" the lexer saw right after the name
    args: list[Operand] = []
    i += 2
    while True:
        arg_tok = tokens[i]
        if arg_tok.kind is Kind.RPAREN:
            return Call(tok.value, tuple(args), tok.pos), i + 1
        if arg_tok.kind not in _OPERAND_KINDS:
            raise _unexpected(arg_tok, f"a function argument or ')' for {tok.value}()")
        arg, i = _parse_operand(tokens, i, depth + 1)
        args.append(arg)
        sep = tokens[i]
        if sep.kind is Kind.COMMA:
            i += 1  # a trailing comma before ")" is accepted, as in fexpr
        elif sep.kind is not Kind.RPAREN:
            raise _unexpected(sep, f"',' or ')' in {tok.value}()")


def _operand_pos(operand: Operand) -> int:
    return operand.pos


def _fold(items: list[tuple[str, Expr]]) -> Expr:
    """Turn a flat ``a || b && c`` sequence into a tree with SQL precedence."""
    runs: list[list[Expr]] = [[items[0][1]]]
    for join, node in items[1:]:
        if join == "||":
            runs.append([node])
        else:
            runs[-1].append(node)
    conjunctions = [_flatten(And, run) for run in runs]
    return _flatten(Or, conjunctions)


def _flatten(kind: type[And] | type[Or], nodes: list[Expr]) -> Expr:
    if len(nodes) == 1:
        return nodes[0]
    flat: list[Expr] = []
    for node in nodes:
        flat.extend(node.items if isinstance(node, kind) else (node,))
    return kind(tuple(flat))
