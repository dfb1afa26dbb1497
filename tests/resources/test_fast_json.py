"""The ingestion's fast JSON gives exactly what the standard library gives: same values parsed, same
bytes written (the raw store's lines are json.dumps(record, separators=(",", ":")))."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resources.fast_json import dumps_line, loads


def json_values(max_int: int) -> st.SearchStrategy:
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers(min_value=-max_int, max_value=max_int)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
        max_leaves=20,
    )


def stdlib_line(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


@settings(max_examples=400, deadline=None)
@given(json_values(2**70))
def test_dumps_line_is_byte_identical_to_json_dumps(value):
    assert dumps_line(value) == stdlib_line(value)


@settings(max_examples=300, deadline=None)
@given(json_values(2**63 - 1))  # beyond 64 bits orjson reads floats (documented; not in Shopify's API)
def test_loads_reads_what_json_dumps_wrote(value):
    text = json.dumps(value)
    assert loads(text.encode()) == json.loads(text)
    assert loads(text) == json.loads(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"rate": 1e-05}, b'{"rate":1e-05}'),
        ({"rate": 2.5e-07, "n": [0.08875]}, b'{"rate":2.5e-07,"n":[0.08875]}'),
        ({"big": 1e16}, b'{"big":1e+16}'),
        ({"name": "Müller €"}, b'{"name":"M\\u00fcller \\u20ac"}'),
        (
            {"emoji": "\U0001f600", "del": "\x7f", "nl": "a\nb"},
            b'{"emoji":"\\ud83d\\ude00","del":"\\u007f","nl":"a\\nb"}',
        ),
        ({"id": 2**64 + 1}, b'{"id":18446744073709551617}'),
        ({"note": "e-mail 0.0000 at 1e-"}, b'{"note":"e-mail 0.0000 at 1e-"}'),
    ],
)
def test_dumps_line_on_the_cases_orjson_writes_differently(value, expected):
    assert dumps_line(value) == expected == stdlib_line(value)


def test_loads_falls_back_for_what_orjson_refuses():
    assert math.isnan(loads(b"[NaN]")[0])
    with pytest.raises(ValueError):
        loads(b'{"orders": [')
