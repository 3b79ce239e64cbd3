"""The MIME type of an upload from its first bytes (magic numbers), never from its name or headers.

The names follow the Go library PocketBase uses (``gabriel-vasile/mimetype``) for the types people
restrict fields to: images, PDF, office documents, archives, audio, video, fonts and text. Text is
``text/plain; charset=utf-8`` (also for an empty file), HTML ``text/html; charset=utf-8``;
anything unrecognised is ``application/octet-stream``. ``HEAD_SIZE`` bytes are enough for every rule.

No library does this well enough: ``filetype`` knows no text formats and ``python-magic`` needs the
system's libmagic, whose names change between versions.
"""

from __future__ import annotations

import json
import re

__all__ = ["HEAD_SIZE", "OCTET_STREAM", "base_type", "extension_for", "sniff"]

HEAD_SIZE = 4096
OCTET_STREAM = "application/octet-stream"
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
XML = "text/xml; charset=utf-8"

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"%PDF-", "application/pdf"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BZh", "application/x-bzip2"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/x-rar-compressed"),
    (b"(\xb5/\xfd", "application/zstd"),
    (b"ID3", "audio/mpeg"),
    (b"fLaC", "audio/flac"),
    (b"MThd", "audio/midi"),
    (b"\x00asm", "application/wasm"),
    (b"\x7fELF", "application/x-elf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"wOFF", "font/woff"),
    (b"wOF2", "font/woff2"),
    (b"OTTO", "font/otf"),
    (b"\x00\x01\x00\x00\x00", "font/ttf"),
    (b"SQLite format 3\x00", "application/vnd.sqlite3"),
    (b"%!PS", "application/postscript"),
    (b"{\\rtf", "text/rtf"),
)

_RIFF = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
_FTYP = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
    b"M4A ": "audio/x-m4a",
    b"M4B ": "audio/mp4",
    b"qt  ": "video/quicktime",
    b"3gp4": "video/3gpp",
    b"3gp5": "video/3gpp",
    b"3gp6": "video/3gpp",
    b"3g2a": "video/3gpp2",
}
_ZIP_DOCUMENTS = {
    b"word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    b"xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    b"ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_ZIP_MIMETYPE = re.compile(rb"application/[a-z0-9.+-]+")
_HTML_TAGS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
)
_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
    "image/x-icon": "ico",
    "image/tiff": "tiff",
    "image/avif": "avif",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/svg+xml": "svg",
    "application/pdf": "pdf",
    "application/zip": "zip",
    "application/gzip": "gz",
    "application/x-bzip2": "bz2",
    "application/x-xz": "xz",
    "application/x-7z-compressed": "7z",
    "application/x-rar-compressed": "rar",
    "application/zstd": "zst",
    "application/x-tar": "tar",
    "application/wasm": "wasm",
    "application/json": "json",
    "application/postscript": "ps",
    "application/vnd.sqlite3": "sqlite",
    "application/epub+zip": "epub",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.microsoft.portable-executable": "exe",
    "audio/mpeg": "mp3",
    "audio/flac": "flac",
    "audio/midi": "midi",
    "audio/wav": "wav",
    "audio/aiff": "aiff",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/x-m4a": "m4a",
    "audio/mp4": "mp4",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/3gpp": "3gp",
    "video/3gpp2": "3g2",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
    "video/ogg": "ogv",
    "video/x-msvideo": "avi",
    "font/woff": "woff",
    "font/woff2": "woff2",
    "font/otf": "otf",
    "font/ttf": "ttf",
    "text/plain": "txt",
    "text/html": "html",
    "text/xml": "xml",
    "text/rtf": "rtf",
}


def base_type(mime_type: str) -> str:
    """``text/plain; charset=utf-8`` -> ``text/plain``."""
    return mime_type.partition(";")[0].strip().lower()


def extension_for(mime_type: str) -> str:
    """The usual extension (without a dot) of a sniffed type; ``""`` when there is none."""
    return _EXTENSIONS.get(base_type(mime_type), "")


def sniff(head: bytes) -> str:
    """The MIME type of content that starts with ``head`` (pass at least ``HEAD_SIZE`` bytes if there are)."""
    found = _binary(head)
    if found is not None:
        return found
    return _textual(head)


def _binary(head: bytes) -> str | None:
    for prefix, mime_type in _PREFIXES:
        if head.startswith(prefix):
            return mime_type
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return _RIFF[head[8:12]]
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio/aiff"
    if head[4:8] == b"ftyp":
        return _ftyp(head)
    if head.startswith(b"PK\x03\x04"):
        return _zip(head)
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"OggS"):
        return "video/ogg" if b"\x80theora" in head[:128] else "audio/ogg"
    if len(head) > 1 and head[0] == 0xFF and head[1] in (0xFB, 0xF3, 0xF2):
        return "audio/mpeg"
    if len(head) > 1 and head[0] == 0xFF and head[1] in (0xF1, 0xF9):
        return "audio/aac"
    if head[257:262] == b"ustar":
        return "application/x-tar"
    if (
        head.startswith(b"BM")
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)
    ):
        return "image/bmp"
    if head.startswith(b"MZ") and b"PE\x00\x00" in head[:1024]:
        return "application/vnd.microsoft.portable-executable"
    return None


def _ftyp(head: bytes) -> str:
    brand = head[8:12]
    if brand in _FTYP:
        return _FTYP[brand]
    if brand.startswith(b"3gp"):
        return "video/3gpp"
    return "video/mp4"


def _zip(head: bytes) -> str:
    # OpenDocument and EPUB store an uncompressed "mimetype" entry first; OOXML documents have a
    # word/, xl/ or ppt/ folder among their first entries.
    offset, names = 0, list[bytes]()
    while len(names) < 16 and (offset := head.find(b"PK\x03\x04", offset)) != -1:
        name_length = int.from_bytes(head[offset + 26 : offset + 28], "little")
        extra_length = int.from_bytes(head[offset + 28 : offset + 30], "little")
        name = head[offset + 30 : offset + 30 + name_length]
        if not names and name == b"mimetype":
            content = head[offset + 30 + name_length + extra_length :]
            declared = _ZIP_MIMETYPE.match(content)
            if declared:
                return declared.group(0).decode()
        names.append(name)
        offset += 30
    for name in names:
        for folder, mime_type in _ZIP_DOCUMENTS.items():
            if name.startswith(folder):
                return mime_type
    return "application/zip"


def _textual(head: bytes) -> str:
    text = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    stripped = text.lstrip(b" \t\r\n\x0c")
    lowered = stripped[:512].lower()
    if lowered.startswith(b"<?xml"):
        return "image/svg+xml" if b"<svg" in stripped.lower() else XML
    if lowered.startswith(b"<svg"):
        return "image/svg+xml"
    for tag in _HTML_TAGS:
        if lowered.startswith(tag) and lowered[len(tag) : len(tag) + 1] in (b" ", b">", b"\t", b"\n", b"\r"):
            return HTML
    if not _looks_like_text(text):
        return OCTET_STREAM
    if stripped[:1] in (b"{", b"[") and len(head) < HEAD_SIZE and _is_json(stripped):
        return "application/json"
    return TEXT


def _looks_like_text(data: bytes) -> bool:
    if any(byte < 0x20 and byte not in (0x09, 0x0A, 0x0C, 0x0D, 0x1B) for byte in data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the head's end is still text.
        return exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"
    return True


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True
