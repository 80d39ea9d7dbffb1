"""The version message a /apis write carries is cut to Grafana's limit in UTF-8 bytes (Go's
``len``: ../shared/grafana-apis.md §4.6), never inside a character."""

from __future__ import annotations

from dashgen.grafana.k8s_shapes import MESSAGE_LIMIT, within_limit


def test_a_short_message_is_sent_whole() -> None:
    assert within_limit("dashgen 0123456789abcdef project ops") == (
        "dashgen 0123456789abcdef project ops"
    )


def test_a_long_accented_message_fits_in_bytes_and_stays_text() -> None:
    message = "dashgen 0123456789abcdef " + "é" * 400  # 825 bytes, 425 characters
    sent = within_limit(message)
    assert len(sent.encode()) <= MESSAGE_LIMIT
    assert len(sent.encode()) >= MESSAGE_LIMIT - 1  # only a split character is dropped
    assert message.startswith(sent)
