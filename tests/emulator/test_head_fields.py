"""The header fields ``read_head`` gives are the same whether the head was already buffered
whole (read at once) or arrives a byte at a time (read line by line)."""

from __future__ import annotations

import io

import pytest

from dashgen.testing.http_head import HeadError, read_head


class _Trickle(io.RawIOBase):
    """A connection that delivers one byte per read."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if not self.data:
            return 0
        buffer[0], self.data = self.data[0], self.data[1:]
        return 1


def _fields_both_ways(data: bytes) -> dict[str, list[str]]:
    whole = read_head(io.BufferedReader(io.BytesIO(data)))
    trickled = read_head(io.BufferedReader(_Trickle(data)))
    assert whole is not None and trickled is not None
    assert whole.fields == trickled.fields
    return whole.fields


@pytest.mark.parametrize("end", [b"\r\n", b"\n"])
def test_values_are_trimmed_names_lowered_and_repeats_kept_in_order(end: bytes) -> None:
    lines = [b"GET / HTTP/1.1", b"Host: x", b"X-A:  a : b \t", b"x-a:\tc", b"Empty:", b"Blank: \t"]
    fields = _fields_both_ways(end.join(lines) + end + end)
    assert fields == {"host": ["x"], "x-a": ["a : b", "c"], "empty": [""], "blank": [""]}


def test_a_folded_line_joins_the_one_before() -> None:
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: one \r\n  two\r\n\tthree\r\nX-B: b\r\n\r\n"
    assert _fields_both_ways(head) == {"host": ["x"], "x-a": ["one two three"], "x-b": ["b"]}


def test_a_bad_line_is_refused_either_way() -> None:
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"
    for rfile in (io.BytesIO(head), _Trickle(head)):
        with pytest.raises(HeadError):
            read_head(io.BufferedReader(rfile))
