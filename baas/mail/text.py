"""The plain-text alternative of an HTML mail, the way PocketBase's ``html2Text`` derives it.

Block elements start a new line, ``<br>`` always does, list items get a ``- `` prefix, links become
``[label](href)``, and the content of scripts, styles, images and form controls is dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

_WHITESPACE = re.compile(r"\s+")
_SKIPPED = frozenset(
    {
        "style",
        "script",
        "iframe",
        "applet",
        "object",
        "svg",
        "img",
        "button",
        "form",
        "textarea",
        "input",
        "select",
        "option",
        "template",
        "head",
        "title",
    }
)
_INLINE = frozenset({"a", "span", "small", "strike", "strong", "sub", "sup", "em", "b", "u", "i"})
# Elements without an end tag: they must not open a skipped region.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.link: list[str] | None = None
        self.href = ""
        self.skipping: list[str] = []
        self.can_break = False

    def _write(self, text: str) -> None:
        (self.link if self.link is not None else self.parts).append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            if tag not in _VOID:
                self.skipping.append(tag)
            return
        if tag in _SKIPPED:
            if tag not in _VOID:
                self.skipping.append(tag)
            return
        if tag == "br" or (self.can_break and tag not in _INLINE):
            self._write("\r\n")
            self.can_break = False
        if tag == "li":
            self._write("- ")
        elif tag == "a" and self.link is None:
            self.link = []
            self.href = next((value or "" for key, value in attrs if key == "href"), "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID or tag in _SKIPPED:
            if not self.skipping and tag not in _SKIPPED:
                self.handle_starttag(tag, attrs)
            return
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag == "a" and self.link is not None:
            label = "".join(self.link).strip() or "LINK"
            self.link = None
            self.parts.append(f"[{label}]" + (f"({self.href})" if self.href else ""))

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        text = _WHITESPACE.sub(" ", data)
        if not self.can_break:
            text = text.lstrip(" ")
        if text:
            self._write(text)
            self.can_break = True


def html_to_text(html: str) -> str:
    converter = _Converter()
    converter.feed(html)
    converter.close()
    return "".join(converter.parts).strip()
