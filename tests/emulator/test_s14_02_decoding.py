"""Contract §14.2: bodies are decoded like Go's encoding/json into typed structs, and the
server reads request framing as Go's net/http does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_api import ADMIN, Api, basic_header

from dashgen.testing import gojson

BAD = {"message": "bad request data"}
SA_BAD = {"message": "Bad request data"}  # the service-account handlers capitalise it
AUTH = basic_header(*ADMIN)


@pytest.mark.parametrize(
    "extra",
    [
        {"overwrite": "true"},
        {"message": 42},
        {"folderUid": 123},
        {"folderId": "5"},
        {"folderId": 1.5},
        {"isFolder": "no"},
        {"userId": True},
        {"UpdatedAt": "yesterday"},
    ],
)
def test_s14_2_wrong_json_types_are_400(api: Api, extra: dict) -> None:
    response = api.post("/api/dashboards/db", json={"dashboard": {"title": "x"}} | extra)
    assert (response.status_code, response.json()) == (400, BAD)
    assert api.emulator.dashboards(1) == []


def test_s14_2_no_dashboard_is_400_but_null_is_the_empty_name_error(api: Api) -> None:
    missing = api.post("/api/dashboards/db", json={"overwrite": True})
    assert (missing.status_code, missing.json()) == (400, BAD)
    null = api.post("/api/dashboards/db", json={"dashboard": None})
    assert null.status_code == 400
    assert null.json() == {"status": "empty-name", "message": "Dashboard title cannot be empty"}


def test_s14_2_field_names_match_case_insensitively(api: Api) -> None:
    api.emulator.create_folder(1, "Team", uid="team")
    body = {"Dashboard": {"title": "x", "uid": "ci"}, "FolderUID": "team", "MESSAGE": "hi"}
    response = api.post("/api/dashboards/db", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["folderUid"] == "team"
    assert api.emulator.versions(1, "ci")[0].message == "hi"


def test_s14_2_non_string_title_is_the_empty_name_error(api: Api) -> None:
    response = api.save({"title": 123, "uid": "t"})
    assert response.status_code == 400
    assert response.json()["status"] == "empty-name"


def test_s14_2_numeric_uid_is_ignored_and_one_is_generated(api: Api) -> None:
    response = api.save({"title": "x", "uid": 12345})
    assert response.status_code == 200
    uid = response.json()["uid"]
    assert isinstance(uid, str) and uid != "12345"
    assert api.get(f"/api/dashboards/uid/{uid}").json()["dashboard"]["uid"] == uid


def test_s14_2_string_id_is_ignored(api: Api) -> None:
    first = api.save({"title": "x", "uid": "a"}).json()
    response = api.save({"title": "y", "id": str(first["id"])})
    assert response.status_code == 200
    assert response.json()["id"] != first["id"]  # a create, not an update of "a"


def test_s14_2_string_version_on_update_is_412(api: Api) -> None:
    api.save({"title": "x", "uid": "v"})
    response = api.save({"title": "x", "uid": "v", "version": "1"})
    assert response.status_code == 412
    assert response.json()["status"] == "version-mismatch"


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_s14_2_nan_and_infinity_are_invalid_json(api: Api, literal: bytes) -> None:
    body = b'{"dashboard": {"title": "x", "uid": "n", "value": ' + literal + b"}}"
    response = api.post("/api/dashboards/db", content=body)
    assert (response.status_code, response.json()) == (400, BAD)


def test_s14_2_trailing_data_after_the_value_is_ignored(api: Api) -> None:
    body = b'{"dashboard": {"title": "x", "uid": "tr"}} and then some {"junk"'
    response = api.post("/api/dashboards/db", content=body)
    assert response.status_code == 200
    assert response.json()["uid"] == "tr"


def test_s14_2_chunked_request_bodies_are_accepted(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"dashboard": {"title": "chunked",'
        yield b' "uid": "ch"}}'

    response = api.post("/api/dashboards/db", content=chunks())
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 200, response.text
    # The connection is still in step: the next request on it gets its own answer.
    assert api.get("/api/dashboards/uid/ch").json()["dashboard"]["title"] == "chunked"
    assert api.server.connections_accepted == 1


def test_s14_2_chunked_with_extensions_and_trailers_over_a_raw_socket(api: Api) -> None:
    payload = b'{"dashboard": {"title": "raw", "uid": "raw"}}'
    request = (
        b"POST /api/dashboards/db HTTP/1.1\r\nHost: x\r\nAuthorization: " + AUTH.encode() + b"\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + f"{len(payload[:10]):x};note=1\r\n".encode()
        + payload[:10]
        + b"\r\n"
        + f"{len(payload[10:]):x}\r\n".encode()
        + payload[10:]
        + b"\r\n0\r\nX-Trailer: yes\r\n\r\n"
    )
    answer = api.raw(request)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert api.emulator.dashboard(1, "raw") is not None


@pytest.mark.parametrize("length", [b"abc", b"-1", b"1, 2", b"+5"])
def test_s14_2_a_content_length_that_is_no_number_is_400(api: Api, length: bytes) -> None:
    request = (
        b"POST /api/dashboards/db HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n{}"
    )
    answer = api.raw(request)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.") and b" 400 " in status_line
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert b"Connection: close" in headers
    assert body == b"400 Bad Request"
    assert api.emulator.request_log == []  # never reached the API


def test_s14_2_unknown_transfer_coding_is_501(api: Api) -> None:
    request = b"POST /api/dashboards/db HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
    assert b" 501 " in api.raw(request).split(b"\r\n")[0]


def nested(depth: int) -> bytes:
    """``{"dashboard": {"title": "deep", "uid": "deep", "data": [[...]]}}`` nested ``depth``
    levels in all (the outer objects count)."""
    arrays = depth - 2
    return (
        b'{"dashboard": {"title": "deep", "uid": "deep", "data": '
        + b"[" * arrays
        + b"]" * arrays
        + b"}}"
    )


def test_s14_2_nesting_down_to_gos_limit_is_stored_and_served(api: Api) -> None:
    response = api.post("/api/dashboards/db", content=nested(10000))
    assert response.status_code == 200, response.text
    served = api.get("/api/dashboards/uid/deep")
    assert served.status_code == 200
    _, body = gojson.loads(served.content)  # too deep for the json module
    depth, node = 0, body["dashboard"]["data"]
    while node:
        depth, node = depth + 1, node[0]
    assert depth == 10000 - 3  # the innermost array is empty
    versions = api.get("/api/dashboards/uid/deep/versions")
    assert versions.status_code == 200


def test_s14_2_nesting_beyond_gos_limit_is_400_not_500(api: Api) -> None:
    response = api.post("/api/dashboards/db", content=nested(10001))
    assert (response.status_code, response.json()) == (400, BAD)


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/api/folders", {"title": 5}, BAD),
        ("/api/orgs", {"name": 1}, BAD),
        ("/api/orgs/1/users", {"loginOrEmail": "admin", "role": 3}, BAD),
        ("/api/orgs/1/users", {"loginOrEmail": "admin"}, BAD),  # role is Required
        ("/api/serviceaccounts", {"name": "sa", "isDisabled": "no"}, SA_BAD),
        ("/api/datasources", {"name": "p", "type": "prometheus", "isDefault": "yes"}, BAD),
        ("/api/datasources", {"name": "p"}, BAD),  # type is Required
        ("/api/dashboards/import", {"dashboard": {"title": "x"}, "overwrite": 1}, BAD),
        ("/api/dashboards/import", {"dashboard": {"title": "x"}, "inputs": {}}, BAD),
    ],
)
def test_s14_2_every_typed_body_is_checked(api: Api, path: str, body: dict, expected: dict) -> None:
    response = api.post(path, json=body)
    assert (response.status_code, response.json()) == (400, expected)
