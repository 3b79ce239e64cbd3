"""Tokens of the filter language, following PocketBase's ``fexpr`` scanner.

Differences from fexpr, all of them turning silent surprises into errors: a NUL character is
rejected (fexpr treats it as the end of input and silently drops the rest), and ``\\r`` counts as
whitespace so CRLF filters work.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum

from baas.rules.ast import Op
from baas.rules.errors import RuleSyntaxError

__all__ = ["Kind", "Token", "tokenize"]


class Kind(Enum):
    """Token kinds."""

    IDENT = "identifier"
    TEXT = "text"
    NUMBER = "number"
    SIGN = "sign"
    JOIN = "join"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    EOF = "end of input"


@dataclass(frozen=True, slots=True)
class Token:
    """One token; ``value`` is the unescaped text for TEXT tokens and the raw text otherwise."""

    kind: Kind
    value: str
    pos: int
    # an identifier immediately followed by "(" is a function name
    call: bool = False


_WHITESPACE = frozenset(" \t\n\r")
_SIGN_CHARS = frozenset("=?!<>~")
_JOIN_CHARS = frozenset("&|")
_SIGNS = frozenset(op.value for op in Op)
# fexpr's identifier rule with Go's ASCII-only \w
_IDENT_RE = re.compile(r"[@#_]?[A-Za-z0-9_.:]*[A-Za-z0-9_]\Z")


def _is_ident_start(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch in "_@#")


def _is_ident_part(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "_@#.:")


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an EOF token.

    Raises:
        RuleSyntaxError: on an unexpected character, an invalid identifier, number, operator
            or an unterminated quoted text.
    """
    tokens: list[Token] = []
    i, size = 0, len(text)
    while i < size:
        ch = text[i]
        if ch in _WHITESPACE:
            i += 1
        elif ch == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            i = size if end < 0 else end
        elif ch in "(),":
            kind = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA}[ch]
            tokens.append(Token(kind, ch, i))
            i += 1
        elif _is_ident_start(ch):
            i = _scan_identifier(text, i, tokens)
        elif _is_digit(ch) or ch == "-":
            i = _scan_number(text, i, tokens)
        elif ch in "'\"":
            i = _scan_text(text, i, tokens)
        elif ch in _SIGN_CHARS:
            i = _scan_run(text, i, _SIGN_CHARS, _SIGNS, Kind.SIGN, "sign operator", tokens)
        elif ch in _JOIN_CHARS:
            i = _scan_run(text, i, _JOIN_CHARS, frozenset({"&&", "||"}), Kind.JOIN, "join operator", tokens)
        else:
            raise RuleSyntaxError(f"unexpected character {ch!r} at {i}", i)
    tokens.append(Token(Kind.EOF, "", size))
    return tokens


def _scan_identifier(text: str, start: int, out: list[Token]) -> int:
    end = start + 1
    while end < len(text) and _is_ident_part(text[end]):
        end += 1
    literal = text[start:end]
    if not _IDENT_RE.match(literal):
        raise RuleSyntaxError(f"invalid identifier {literal!r} at {start}", start)
    out.append(Token(Kind.IDENT, literal, start, call=text.startswith("(", end)))
    return end


def _scan_number(text: str, start: int, out: list[Token]) -> int:
    end = start + 1
    while end < len(text) and (_is_digit(text[end]) or text[end] == "."):
        end += 1
    literal = text[start:end]
    # like fexpr: "12." is not a number although float() would accept it
    valid = not literal.endswith(".") and literal not in ("-", "-.")
    if valid:
        try:
            valid = math.isfinite(float(literal))
        except ValueError:
            valid = False
    if not valid:
        raise RuleSyntaxError(f"invalid number {literal!r} at {start}", start)
    out.append(Token(Kind.NUMBER, literal, start))
    return end


def _scan_text(text: str, start: int, out: list[Token]) -> int:
    quote = text[start]
    value: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\x00":
            raise RuleSyntaxError(f"unexpected character '\\x00' at {i}", i)
        if ch == "\\" and i + 1 < len(text):
            # as PocketBase 0.40 reads them: \n \t \r \\ \' \" are escapes, any other
            # backslash is kept (so LIKE escapes such as \% reach the pattern)
            nxt = text[i + 1]
            value.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        if ch == quote:
            out.append(Token(Kind.TEXT, "".join(value), start))
            return i + 1
        value.append(ch)
        i += 1
    raise RuleSyntaxError(f"invalid quoted text at {start}: missing closing {quote}", start)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}


def _scan_run(
    text: str, start: int, chars: frozenset[str], valid: frozenset[str], kind: Kind, what: str, out: list[Token]
) -> int:
    end = start
    while end < len(text) and text[end] in chars:
        end += 1
    literal = text[start:end]
    if literal not in valid:
        # PocketBase's wording (Go's %q quoting); the position stays available on the error.
        raise RuleSyntaxError(f'invalid {what} "{literal}"', start)
    out.append(Token(kind, literal, start))
    return end
