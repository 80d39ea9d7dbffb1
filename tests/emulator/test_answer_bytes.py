"""The exact bytes of common answers on a real socket: head field order, framing and the
Connection header as Go's server writes them (only Date and the body's timestamps vary)."""

from __future__ import annotations

import dataclasses
import re

from emulator_api import ADMIN, Api, basic_header

from dashgen.testing.dispatch import with_default_headers
from dashgen.testing.wire import Response

AUTH = b"Authorization: " + basic_header(*ADMIN).encode() + b"\r\n"
_DATE = re.compile(rb"\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n")
_STAMP = re.compile(rb'"2\d{3}-\d\d-\d\dT\d\d:\d\d:\d\dZ"')
SECURITY = (
    b"X-Content-Type-Options: nosniff\r\nX-Frame-Options: deny\r\n"
    b"X-Xss-Protection: 1; mode=block\r\n"
)
JSON_HEAD = b"HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Type: application/json\r\n"
HEALTH = b'{\n  "commit": "emulator",\n  "database": "ok",\n  "version": "12.0.0"\n}'
HEALTH_HEAD = (
    b"Cache-Control: no-store\r\nContent-Type: application/json; charset=UTF-8\r\n" + SECURITY
)


def _masked(answer: bytes) -> bytes:
    return _STAMP.sub(b'"<time>"', _DATE.sub(b"\r\nDate: <date>\r\n", answer))


def _get(path: bytes, extra: bytes = b"") -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + AUTH + extra + b"\r\n"


def test_a_dashboard_then_a_closing_answer_on_one_keep_alive_connection(api: Api) -> None:
    api.emulator.save_dashboard(1, {"title": "Pinned", "uid": "pin"})
    answer = api.raw(
        _get(b"/api/dashboards/uid/pin") + _get(b"/api/nothere", b"Connection: close\r\n")
    )
    # dtos.DashboardFullWithMeta: meta first; DashboardMeta's isStarred is omitempty
    dashboard = (
        b'{"meta":{"type":"db",'
        b'"canSave":true,"canEdit":true,"canAdmin":true,"canStar":true,"canDelete":true,'
        b'"slug":"pinned","url":"/d/pin/pinned","expires":"0001-01-01T00:00:00Z",'
        b'"created":"<time>","updated":"<time>","updatedBy":"admin","createdBy":"admin",'
        b'"version":1,"hasAcl":false,"isFolder":false,"folderId":0,"folderUid":"",'
        b'"folderTitle":"General","folderUrl":"","provisioned":false,'
        b'"provisionedExternalId":"","annotationsPermissions":{"dashboard":{"canAdd":true,'
        b'"canEdit":true,"canDelete":true},"organization":{"canAdd":true,"canEdit":true,'
        b'"canDelete":true}}},"dashboard":{"title":"Pinned","uid":"pin","id":1,"version":1}}'
    )
    assert (
        _masked(answer)
        == (
            JSON_HEAD
            + SECURITY
            + b"Date: <date>\r\nContent-Length: 647\r\n\r\n"
            + dashboard
            # The next answer, asked to close: Go adds Connection: close.
            + b"HTTP/1.1 404 Not Found\r\nCache-Control: no-store\r\n"
            b"Content-Type: application/json\r\n" + SECURITY + b"Date: <date>\r\n"
            b"Content-Length: 23\r\nConnection: close\r\n\r\n"
            b'{"message":"Not found"}'
        )
    )


def test_a_save_answer(api: Api) -> None:
    body = b'{"dashboard": {"title": "Other", "uid": "other"}}'
    answer = api.raw(
        b"POST /api/dashboards/db HTTP/1.1\r\nHost: x\r\n"
        + AUTH
        + b"Content-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (len(body), body)
    )
    assert _masked(answer) == (
        JSON_HEAD + SECURITY + b"Date: <date>\r\nContent-Length: 106\r\nConnection: close\r\n\r\n"
        b'{"status":"success","slug":"other","version":1,"id":1,"uid":"other",'
        b'"url":"/d/other/other","folderUid":""}'
    )


def test_http_10_keep_alive_is_answered_as_such_and_a_plain_one_closes(api: Api) -> None:
    answer = api.raw(
        b"GET /api/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        b"GET /api/health HTTP/1.0\r\n\r\nGET /api/health HTTP/1.0\r\n\r\n"
    )
    head = b"HTTP/1.0 200 OK\r\n" + HEALTH_HEAD + b"Date: <date>\r\nContent-Length: 69\r\n"
    assert _masked(answer) == (
        head + b"Connection: keep-alive\r\n\r\n" + HEALTH + head + b"\r\n" + HEALTH
    )


def test_heads_a_handler_frames_itself_get_no_second_connection_or_length(api: Api) -> None:
    answer = api.raw(
        b"HEAD /api/health HTTP/1.1\r\nHost: x\r\n\r\n"
        b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /api/health HTTP/1.1\r\nHost: x\r\nExpect: nonsense\r\n\r\n"
    )
    assert _masked(answer) == (
        b"HTTP/1.1 200 OK\r\n" + HEALTH_HEAD + b"Date: <date>\r\nContent-Length: 69\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nDate: <date>\r\n\r\n"
        b"HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: <date>\r\n"
        b"Content-Length: 0\r\n\r\n"
    )


def test_the_default_headers_keep_every_other_field_of_an_answer() -> None:
    answer = Response(201, {"a": 1}, {"X-Mine": "1"}, raw=b"raw")
    sent = with_default_headers("/api/x", answer)
    # A field added to Response must be carried over by with_default_headers too.
    assert [f.name for f in dataclasses.fields(Response)] == ["status", "body", "headers", "raw"]
    assert (sent.status, sent.body, sent.raw) == (201, {"a": 1}, b"raw")
    assert sent.headers["X-Mine"] == "1" and sent.headers["Cache-Control"] == "no-store"
