"""How the k8s handlers behind /apis write their JSON, as other clients see it
(``dashgen.testing.k8s_wire``): compact with a newline; pretty (``MarshalIndent``, no newline)
for ``?pretty=``, a ``pretty=1`` Accept clause and curl/Wget/browser user agents; a Status
whose ``Accept`` leaves no plain clause written raw (indented); gzip over 128 KiB when an
``Accept-Encoding`` token is exactly ``gzip``. Grafana's own JSON on /apis is untouched."""

from __future__ import annotations

import gzip
import http.client
import json
from typing import Any

import httpx
from apis_helpers import K8s, resource
from emulator_api import ADMIN, basic_header

CURL = "curl/8.5.0"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _pretty(body: bytes) -> bool:
    """Go's MarshalIndent of the same value (equal to Python's indent=2 for ASCII text)."""
    return body == json.dumps(json.loads(body), indent=2).encode()


def _compact(body: bytes) -> bool:
    value = json.loads(body)
    return body == json.dumps(value, separators=(",", ":")).encode() + b"\n"


def _get(k8s: K8s, path: str, agent: str | None = None, **kwargs: Any) -> httpx.Response:
    headers = dict(kwargs.pop("headers", {}))
    if agent is not None:
        headers["User-Agent"] = agent
    return k8s.api.get(path, headers=headers, **kwargs)


def test_s0_answers_are_compact_with_a_newline_by_default(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    for path in (k8s.dashboard("cpu"), k8s.dashboards(), "/apis", k8s.dashboard("nope")):
        answer = _get(k8s, path)
        assert _compact(answer.content), (path, answer.content[:80])


def test_s0_curl_wget_and_browsers_get_pretty_json(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    for agent in (CURL, "Wget/1.21.4", BROWSER, "curlish"):  # (a prefix)
        for path in (k8s.dashboard("cpu"), k8s.dashboards(), "/apis", k8s.dashboard("nope")):
            answer = _get(k8s, path, agent)
            assert _pretty(answer.content), (agent, path, answer.content[:80])
            assert not answer.content.endswith(b"\n")
    for agent in ("Mozilla/4.0 (compatible)", "Curl/8", "python-httpx/0.29", "kubectl/v1.34"):
        assert _compact(_get(k8s, k8s.dashboard("cpu"), agent).content), agent
    assert _compact(_get(k8s, k8s.dashboard("cpu"), "wget/1.21").content)  # (case: Wget)


def test_s0_the_pretty_query_is_parsed_as_go_parses_a_bool(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    path = k8s.dashboard("cpu")
    for value in ("true", "1", "t", "TRUE", "True"):
        assert _pretty(_get(k8s, path, params={"pretty": value}).content), value
    for value in ("false", "0", "F", "yes", "on"):  # not a bool: compact, even for curl
        assert _compact(_get(k8s, path, CURL, params={"pretty": value}).content), value
    assert _pretty(_get(k8s, path, CURL, params={"pretty": ""}).content)  # empty: the agent


def test_s0_an_accept_clause_with_pretty_1(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    path = k8s.dashboard("cpu")
    assert _pretty(_get(k8s, path, headers={"Accept": "application/json;pretty=1"}).content)
    assert _compact(_get(k8s, path, headers={"Accept": "application/json;pretty=true"}).content)


def test_s0_a_status_with_no_plain_accept_clause_is_raw_indented_json(k8s: K8s) -> None:
    """ErrorNegotiated allows no ``as=``: with none left, WriteRawJSON (MarshalIndent)."""
    table = "application/json;as=Table;g=meta.k8s.io;v=v1"
    missing = _get(k8s, k8s.dashboard("nope"), headers={"Accept": table})
    assert missing.status_code == 404 and _pretty(missing.content)
    refused = _get(k8s, k8s.dashboards(), headers={"Accept": "text/html"})
    assert refused.status_code == 406 and _pretty(refused.content)
    plain = _get(k8s, k8s.dashboard("nope"), headers={"Accept": f"{table}, application/json"})
    assert plain.status_code == 404 and _compact(plain.content)


def test_s0_grafanas_own_json_on_apis_is_not_pretty(k8s: K8s) -> None:
    answer = k8s.api.get(k8s.dashboards(), user=None, headers={"User-Agent": CURL})
    assert answer.status_code == 401
    assert answer.content == json.dumps(answer.json(), separators=(",", ":")).encode()


def _raw(k8s: K8s, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """One GET over http.client: the body as sent (httpx would decode it)."""
    url = k8s.api.http.base_url
    connection = http.client.HTTPConnection(url.host, url.port, timeout=10)
    try:
        sent = {"Authorization": basic_header(*ADMIN)} | headers
        connection.request("GET", path, headers=sent)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def _big(k8s: K8s, count: int = 12) -> None:
    """Dashboards whose LIST is well over 128 KiB."""
    for index in range(count):
        panels = [{"id": n, "type": "text", "title": f"p{n}" * 80} for n in range(60)]
        answer = k8s.create(resource(f"big{index}", f"Big {index}", panels=panels))
        assert answer.status_code == 201, answer.text


def test_s0_a_large_answer_is_gzipped_when_the_client_accepts_gzip(k8s: K8s) -> None:
    _big(k8s)
    status, headers, body = _raw(k8s, k8s.dashboards(), {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    plain = gzip.decompress(body)
    assert len(plain) > 128 * 1024 and _compact(plain)
    assert json.loads(plain)["kind"] == "DashboardList"
    for refused in ("identity", "gzip;q=1.0", "GZIP", "deflate, br"):
        status, headers, body = _raw(k8s, k8s.dashboards(), {"Accept-Encoding": refused})
        assert "content-encoding" not in headers and _compact(body), refused
    status, headers, body = _raw(k8s, k8s.dashboards(), {})
    assert "content-encoding" not in headers and _compact(body)


def test_s0_a_small_answer_is_never_gzipped(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    status, headers, body = _raw(k8s, k8s.dashboards(), {"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and "content-encoding" not in headers and _compact(body)


def test_s0_httpx_decodes_the_gzipped_list(k8s: K8s) -> None:
    _big(k8s)
    answer = k8s.list()  # httpx sends Accept-Encoding: gzip, deflate…
    assert answer.headers["content-encoding"] == "gzip"
    assert len(answer.json()["items"]) == 12
