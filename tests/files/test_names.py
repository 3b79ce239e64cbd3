"""Stored names and storage keys: sanitised, random, never a path (unit table)."""

from __future__ import annotations

import re

import pytest

from baas.files.names import file_key, is_safe_segment, split_key, stored_name, thumb_key, thumbs_prefix

RANDOM = r"[a-z0-9]{10}"


@pytest.mark.parametrize(
    ("original", "sniffed", "pattern"),
    [
        ("cover image.png", "", rf"cover_image_{RANDOM}\.png"),
        ("CoverImage.PNG", "", rf"cover_image_{RANDOM}\.PNG"),
        ("a.txt", "", rf"a{RANDOM}_{RANDOM}\.txt"),  # short bases get 10 more random characters
        ("noext", "pdf", rf"noext_{RANDOM}\.pdf"),  # no extension: the sniffed type's
        ("archive.tar.gz", "", rf"archive_{RANDOM}\.tar\.gz"),
        ("x.php.jpg", "", rf"x_php_{RANDOM}\.jpg"),  # only the last extension survives
        ("shell.php.jpg", "", rf"shell_php_{RANDOM}\.jpg"),
        ("../../etc/passwd", "txt", rf"passwd_{RANDOM}\.txt"),
        ("..\\..\\windows\\win.ini", "", rf"win_{RANDOM}\.ini"),
        ("a\x00b.txt", "", rf"a_b_{RANDOM}\.txt"),
        ("Ünïcödé Name.TXT", "", rf"n_c_d_name_{RANDOM}\.TXT"),
        ("y" * 300 + ".txt", "", rf"y{{100}}_{RANDOM}\.txt"),
        (".htaccess", "", rf"{RANDOM}_{RANDOM}\.htaccess"),
        ("", "", rf"{RANDOM}_{RANDOM}"),
        ("evil.<script>", "", rf"evil_{RANDOM}\.script"),
        ("name.ext#?x=1", "", rf"name_{RANDOM}\.extx1"),
        ("CON.txt", "", rf"con_{RANDOM}\.txt"),
        ("x." + "e" * 40, "", rf"x{RANDOM}_{RANDOM}\.e{{20}}"),
    ],
)
def test_stored_name(original: str, sniffed: str, pattern: str) -> None:
    name = stored_name(original, sniffed)
    assert re.fullmatch(pattern, name), name
    assert re.fullmatch(r"[A-Za-z0-9_.]+", name)
    assert is_safe_segment(name)
    assert ".." not in name


def test_stored_names_are_random() -> None:
    assert len({stored_name("same.txt") for _ in range(50)}) == 50


@pytest.mark.parametrize("segment", ["", ".", "..", "a/b", "a\\b", "a\x00b", "a\nb", "x" * 256])
def test_unsafe_segments(segment: str) -> None:
    assert not is_safe_segment(segment)
    with pytest.raises(ValueError, match="unsafe"):
        file_key("pbc_1", segment, "a.txt")


def test_keys() -> None:
    key = file_key("pbc_1", "rec1", "a_x.png")
    assert key == "pbc_1/rec1/a_x.png"
    assert split_key(key) == ("pbc_1", "rec1", "a_x.png")
    assert thumbs_prefix(key) == "pbc_1/rec1/thumbs_a_x.png/"
    assert thumb_key(key, "20x20") == "pbc_1/rec1/thumbs_a_x.png/20x20_a_x.png"
    with pytest.raises(ValueError, match="not a file key"):
        split_key("a/b")
