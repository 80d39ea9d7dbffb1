"""The WSGI face of the emulator, and the httpx transport that mounts it in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any

import httpx

from dashgen.testing.dispatch import ConnectionDropped, reason
from dashgen.testing.go_framing import Framing, framing
from dashgen.testing.wire import Request, Response

StartResponse = Callable[..., Any]


class BadFraming(ValueError):
    """A Content-Length that is not a number: Go's server answers 400 in plain text."""


def _body(environ: dict[str, Any]) -> bytes:
    raw = str(environ.get("CONTENT_LENGTH") or "").strip()
    if "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower():
        return bytes(environ["wsgi.input"].read())  # the server has de-chunked it
    if not raw:
        return b""
    if not raw.isdigit():
        raise BadFraming(raw)
    return bytes(environ["wsgi.input"].read(int(raw)))


def request_from_environ(environ: dict[str, Any]) -> Request:
    body = _body(environ)
    headers = {
        key[5:].replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    path = environ.get("PATH_INFO", "/")
    try:
        # PEP 3333 servers hand the path over as latin-1 decoded bytes...
        path = path.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass  # ...but httpx's WSGITransport passes the decoded str as it is.
    return Request.build(
        environ["REQUEST_METHOD"], path, environ.get("QUERY_STRING", ""), headers, body
    )


def bad_request() -> Response:
    headers = {"Content-Type": "text/plain; charset=utf-8"}
    return Response(400, raw=b"400 Bad Request", headers=headers)


def write_response(
    response: Response, start_response: StartResponse, method: str = "GET"
) -> Iterable[bytes]:
    """The answer with the headers Go's server would add (the chunking itself is the
    transport's business: only which length header there is, as ``go_framing`` says)."""
    body = response.encoded()
    headers = response.header_items()
    # Every Grafana answer carries Date (Go's net/http adds it), as the real server's do.
    headers.append(("Date", formatdate(usegmt=True)))
    if not any(name.lower() == "content-length" for name, _ in headers):
        framed = framing(method, response.status, len(body))
        if framed is Framing.LENGTH:
            headers.append(("Content-Length", str(len(body))))
        elif framed is Framing.CHUNKED:
            headers.append(("Transfer-Encoding", "chunked"))
    start_response(f"{response.status} {reason(response.status)}", headers)
    return [b"" if method == "HEAD" else body]


class InProcessTransport(httpx.WSGITransport):
    """Turns a dropped connection into the error httpx raises for a real one."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
