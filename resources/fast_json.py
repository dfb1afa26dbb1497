"""JSON for the ingestion hot path: parsing API pages and writing raw lines, byte-for-byte as the standard
library would, several times faster.

A page of 250 orders is about 2.8 MB of JSON. At a big shop's API ceiling (20 pages a second) the
standard library's ``json`` spends more than a CPU core parsing and re-encoding that (and holds the GIL
while doing it), so the raw assets use ``orjson`` and keep the raw store's format exactly:

* :func:`loads` parses like ``json.loads`` (orjson; the standard library for what orjson refuses, such as
  the non-standard ``NaN``, so the errors are the same). One difference: orjson reads an integer outside
  the signed/unsigned 64-bit range as a float. The platforms' ids and counts are below 2**53 (they must
  survive JavaScript), so API responses never have one; do not use :func:`loads` for other JSON that may;
* :func:`dumps_line` gives exactly ``json.dumps(value, separators=(",", ":")).encode()``: compact, every
  non-ASCII character escaped as ``\\uXXXX``, floats as Python's ``repr``. orjson writes UTF-8 and some
  floats differently (``0.00001`` for ``1e-05``), so non-ASCII output is re-escaped and the rare record
  with a float below 1e-4 (or a value orjson cannot write) is encoded by the standard library.
  Not-a-number floats cannot come from JSON that orjson parsed; they are written by the standard library
  only if they do not go through orjson (orjson writes ``null`` for them, so do not pass them here).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# A number orjson may format unlike Python's repr: an exponent "1e-7" (a digit before "e-") or a small
# "0.00001" (a value starting "0.0000"). Strings that look alike only cost a fallback to the stdlib.
_DIFFERENT_FLOAT = ((b"e-", b"0123456789"), (b"0.0000", b":,[-"))
# Characters json.dumps(ensure_ascii=True) escapes that orjson writes as they are (UTF-8, and DEL).
_NON_ASCII = re.compile("[\x7f-\U0010ffff]")


def loads(data: bytes | str) -> Any:
    """``json.loads(data)``, parsed by orjson when it can."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def _may_format_a_float_differently(line: bytes) -> bool:
    for needle, before in _DIFFERENT_FLOAT:
        at = line.find(needle)
        while at != -1:
            if at > 0 and line[at - 1] in before:
                return True
            at = line.find(needle, at + 1)
    return False


def dumps_line(value: Any) -> bytes:
    """``json.dumps(value, separators=(",", ":")).encode()``, encoded by orjson when that gives the same."""
    try:
        line = orjson.dumps(value)
    except TypeError:  # an integer beyond 64 bits, a non-str key, ...
        return json.dumps(value, separators=(",", ":")).encode()
    if _may_format_a_float_differently(line):
        return json.dumps(value, separators=(",", ":")).encode()
    if not line.isascii() or b"\x7f" in line:
        return _NON_ASCII.sub(_escape, line.decode("utf-8")).encode("ascii")
    return line
