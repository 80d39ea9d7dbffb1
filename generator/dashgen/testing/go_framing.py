"""How Go's ``net/http`` server frames an answer's body, which Grafana's handlers leave to it.

Grafana writes a JSON answer in one ``Write`` and sets no ``Content-Length``
(``pkg/api/response/response.go``, ``NormalResponse.WriteTo``); the k8s handlers behind
``/apis`` do the same (``deferredResponseWriter``). Go's server (``net/http/server.go``)
buffers the first ``bufferBeforeChunkingSize`` (2048) bytes of a handler's writes:

- a body that fits (the handler is done when it is flushed) gets ``Content-Length``;
- a larger one is written past the buffer while the handler still runs, so its length is
  not known: ``Transfer-Encoding: chunked`` on HTTP/1.1 (one chunk per write: one here),
  and on HTTP/1.0 neither header, the connection closing after the answer;
- an answer to HEAD carries the ``Content-Length`` of a body that fits (the handler wrote
  it, though none is sent) and neither header otherwise; 1xx, 204 and 304 carry none;
- a ``Content-Length`` the handler set itself is kept, and nothing is chunked.
"""

from __future__ import annotations

from enum import Enum

BUFFER_BEFORE_CHUNKING = 2048


class Framing(Enum):
    LENGTH = "length"  # Content-Length: the body's length
    CHUNKED = "chunked"  # Transfer-Encoding: chunked
    CLOSE = "close"  # neither: the body ends when the connection closes (HTTP/1.0)
    NONE = "none"  # no body, and no header saying how long it is


def framing(method: str, status: int, body_length: int, *, http_11: bool = True) -> Framing:
    """The framing of an answer whose handler wrote ``body_length`` bytes (no length of
    its own set)."""
    if status in (204, 304) or 100 <= status < 200:
        return Framing.NONE
    fits = body_length <= BUFFER_BEFORE_CHUNKING
    if method == "HEAD":
        return Framing.LENGTH if fits and body_length > 0 else Framing.NONE
    if fits:
        return Framing.LENGTH
    return Framing.CHUNKED if http_11 else Framing.CLOSE


def chunked_parts(body: bytes) -> tuple[bytes, bytes, bytes]:
    """``body`` as Go's chunkWriter sends one write and the end (``%x`` size, data, last
    chunk, no trailers), in pieces to join to the head that goes before them."""
    return b"%x\r\n" % len(body), body, b"\r\n0\r\n\r\n"
