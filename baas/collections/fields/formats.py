"""Email, URL and domain format checks, matching what PocketBase 0.40 accepts.

PocketBase uses govalidator's ``IsEmail``/``IsURL`` and ozzo's ``is.Domain``. Their URL and email
regular expressions nest quantifiers, which a backtracking engine such as Python's ``re`` can take
exponential time on, so the same languages are checked here in pieces that each run in linear time.
Observed differences from the plain govalidator email regex (quoted local parts are rejected) follow
the 0.40 binary.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TypeAlias

from baas.errors import FieldError

__all__ = ["domain_list_errors", "is_domain", "is_email", "is_url", "url_host"]

_Error: TypeAlias = FieldError | dict[str, FieldError]

# Go's \s is ASCII-only; every other character counts as \S.
_GO_SPACE = frozenset("\t\n\f\r ")

# ----- email ---------------------------------------------------------------------------------------

_WIDE = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
_ATOM = rf"[a-zA-Z0-9!#$%&'*+\-/=?^_`{{|}}~{_WIDE}]+"
_LOCAL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_DOMAIN_CHARS = re.compile(rf"[a-zA-Z0-9\-._~{_WIDE}]+")
_LABEL_END = re.compile(rf"[a-zA-Z0-9{_WIDE}]")
_TLD_START = re.compile(rf"[a-zA-Z{_WIDE}]")


def is_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    if not at or "@" in domain or not _LOCAL.fullmatch(local):
        return False
    return _is_email_domain(domain[:-1] if domain.endswith(".") else domain)


def _is_email_domain(domain: str) -> bool:
    # govalidator: one or more labels ending in ".", then a top-level label. Labels may themselves
    # contain ".", so this is: starts with a letter/digit, ends with a letter, and some "." has a
    # letter/digit before it and a letter after it.
    if not _DOMAIN_CHARS.fullmatch(domain) or not _LABEL_END.fullmatch(domain[0]):
        return False
    if not _TLD_START.fullmatch(domain[-1]):
        return False
    return any(
        char == "."
        and 0 < index < len(domain) - 1
        and _LABEL_END.fullmatch(domain[index - 1]) is not None
        and _TLD_START.fullmatch(domain[index + 1]) is not None
        for index, char in enumerate(domain)
    )


# ----- domain (collection options) ----------------------------------------------------------------

_DOMAIN = re.compile(r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{1,63}")


def is_domain(value: str) -> bool:
    return len(value) <= 255 and _DOMAIN.fullmatch(value) is not None


# ----- url -----------------------------------------------------------------------------------------

_MAX_URL_RUNES = 2083
_SCHEMES = ("ftp://", "tcp://", "udp://", "ws://", "wss://", "http://", "https://")
_PORT_AND_PATH = re.compile(r"(?::[0-9]{1,5})?(?:[/?#].*)?", re.DOTALL)
_IPV4 = re.compile(
    r"(?:[1-9][0-9]?|1[0-9][0-9]|2[01][0-9]|22[0-3]|24[0-9]|25[0-5])"
    r"(?:\.(?:[0-9]{1,2}|1[0-9][0-9]|2[0-4][0-9]|25[0-5])){2}"
    r"\.(?:[0-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-5])"
)
_A = "a-zA-Z0-9"
_U = "a-zA-Z0-9\u00a1-\uffff"
# The host name is [prefix] word [.tld]; the prefix is one of these, or "www.", or nothing.
_PREFIX_DASHED = re.compile(rf"[{_A}][{_A}_-]*[{_A}](?:\.[{_A}]+(?:[.-][{_A}]+)*)?")
_PREFIX_SUBDOMAIN = re.compile(rf"[{_A}]+(?:[-_.][{_A}]+)*(?<=[{_A}][{_A}])\.[{_A}]+")
_TLD = re.compile(r"\.[a-zA-Z\u00a1-\uffff]+")
_WORD_CHAR = re.compile(rf"[{_U}]")
_ASCII_ALNUM = re.compile(rf"[{_A}]")


def is_url(value: str) -> bool:
    """govalidator's ``IsURL``: absolute URLs, but also scheme-less ones such as ``example.com``."""
    if (
        not value
        or len(value) >= _MAX_URL_RUNES
        or len(value.encode("utf-8", "surrogatepass")) <= 3
        or value.startswith(".")
    ):
        return False
    probe = "http://" + value if ":" in value and "://" not in value else value
    parsed = _go_parse(probe)
    if parsed is None:
        return False
    _, host, path = parsed
    if host.startswith(".") or (not host and path and "." not in path):
        return False
    return _matches_url(value)


def url_host(value: str) -> str:
    """The host (with port) Go's ``url.Parse`` finds in a valid URL; ``""`` when it has none."""
    parsed = _go_parse(value)
    return parsed[1] if parsed else ""


def _matches_url(value: str) -> bool:
    if any(char in _GO_SPACE for char in value):
        return False
    rests = [value]
    rests += [value[len(scheme) :] for scheme in _SCHEMES if value.startswith(scheme)]
    # user info is any non-space run ending at some "@"
    rests += [value[index + 1 :] for index, char in enumerate(value) if char == "@" and index > 0]
    return any(_matches_host_port_path(rest) for rest in rests)


def _matches_host_port_path(rest: str) -> bool:
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            return False
        host, tail = rest[: end + 1], rest[end + 1 :]
    else:
        end = next((i for i, char in enumerate(rest) if char in ":/?#"), len(rest))
        host, tail = rest[:end], rest[end:]
        if host.endswith("."):
            host = host[:-1]
    if tail.startswith("."):
        tail = tail[1:]
    return bool(host) and _PORT_AND_PATH.fullmatch(tail) is not None and _is_url_host(host)


def _is_url_host(host: str) -> bool:
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    if _IPV4.fullmatch(host):
        return True
    dot = host.rfind(".")
    if dot >= 0 and _TLD.fullmatch(host, dot) and _is_host_core(host[:dot]):
        return True
    return _is_host_core(host)


def _is_host_core(core: str) -> bool:
    if not core or not _WORD_CHAR.fullmatch(core[-1]):
        return False
    start = _word_suffix_start(core)
    for index in range(start, len(core)):
        if not _WORD_CHAR.fullmatch(core[index]):
            continue
        prefix = core[:index]
        if not prefix or prefix == "www.":
            return True
        if _ASCII_ALNUM.fullmatch(prefix[-1]) and (
            _PREFIX_DASHED.fullmatch(prefix) or _PREFIX_SUBDOMAIN.fullmatch(prefix)
        ):
            return True
    return False


def _word_suffix_start(core: str) -> int:
    """Where the longest tail of word characters with at most two hyphens in a row begins."""
    hyphens = 0
    for index in range(len(core) - 1, -1, -1):
        char = core[index]
        if char == "-":
            hyphens += 1
            if hyphens == 3:
                return index + 1
        elif _WORD_CHAR.fullmatch(char):
            hyphens = 0
        else:
            return index + 1
    return 0


# ----- Go's url.Parse, reduced to its errors, host and path ---------------------------------------

_USERINFO = re.compile(r"[a-zA-Z0-9\-._:~!$&'()*+,;=%@]*")
_HOST_ASCII = re.compile(r"[a-zA-Z0-9\-_.~!$&'()*+,;=:\[\]<>\"%]")
_BAD_ESCAPE = re.compile(r"%(?![0-9a-fA-F]{2})")
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+\-.]*")


def _go_parse(raw: str) -> tuple[str, str, str] | None:
    """``(scheme, host, path)`` as Go's ``url.Parse`` sees them, or None where it fails."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in raw):
        return None
    rest, _, fragment = raw.partition("#")
    if _BAD_ESCAPE.search(fragment):
        return None
    scheme = ""
    colon = rest.find(":")
    if colon == 0:
        return None
    if colon > 0 and _SCHEME.fullmatch(rest[:colon]):
        scheme, rest = rest[:colon].lower(), rest[colon + 1 :]
    rest = rest.partition("?")[0]
    if not rest.startswith("/"):
        if scheme:
            return scheme, "", ""  # opaque, e.g. mailto:a@b.c
        if ":" in rest.partition("/")[0]:
            return None
    host = ""
    if rest.startswith("//") and (scheme or not rest.startswith("///")):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        userinfo, at, host = authority.rpartition("@")
        if at and (not _USERINFO.fullmatch(userinfo) or _BAD_ESCAPE.search(userinfo)):
            return None
        if not _valid_host(host):
            return None
    if _BAD_ESCAPE.search(rest):
        return None
    return scheme, host, rest


def _valid_host(host: str) -> bool:
    port_start = host.rfind("]") + 1 if host.startswith("[") else host.rfind(":")
    if host.startswith("[") and port_start == 0:
        return False
    port = host[port_start:] if port_start >= 0 else ""
    if port and not (port.startswith(":") and (port == ":" or (port[1:].isdigit() and port[1:].isascii()))):
        return False
    if _BAD_ESCAPE.search(host):
        return False
    return all(ord(char) >= 0x80 or _HOST_ASCII.fullmatch(char) for char in host)


def domain_list_errors(only_domains: list[str], except_domains: list[str]) -> dict[str, _Error]:
    """PocketBase's rules for ``onlyDomains``/``exceptDomains``: not both, each item a domain."""
    if only_domains and except_domains:
        blank = FieldError("validation_empty", "Must be blank.")
        return {"exceptDomains": blank, "onlyDomains": blank}
    errors: dict[str, _Error] = {}
    for option, domains in (("onlyDomains", only_domains), ("exceptDomains", except_domains)):
        invalid = {
            str(index): FieldError("validation_is_domain", "Must be a valid domain.")
            for index, domain in enumerate(domains)
            if domain and not is_domain(domain)
        }
        if invalid:
            errors[option] = invalid
    return errors
