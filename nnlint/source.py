"""Turning a file's bytes into text (or a one-line reason why that is impossible), and text into
Python's own syntax tree."""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
import warnings
from typing import List


class SourceError(Exception):
    """The file cannot be read as Python source; the message is shown to the user as is."""


def decode(data: bytes) -> str:
    """Decode Python source the way the interpreter does: BOM, then coding cookie, then UTF-8."""
    if b"\x00" in data:
        raise SourceError("binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(f"bad encoding declaration: {error}") from None
    try:
        codecs.lookup(encoding)
        return data.decode(encoding)
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r} in the coding declaration") from None
    except UnicodeDecodeError as error:
        name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        raise SourceError(
            f"not valid {name} at byte {error.start}; save the file as UTF-8 or declare its "
            "encoding (`# -*- coding: latin-1 -*-`)"
        ) from None


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> List[str]:
    """Lines as the parser counts them (only \\n, \\r\\n and \\r end a line)."""
    return _LINE_BREAK.split(text)


def python_parse(text: str) -> ast.Module:
    """Parse with Python's own parser, without showing the checked code's SyntaxWarnings
    (invalid escape sequences and the like are not ours to report)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)
