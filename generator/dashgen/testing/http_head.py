"""The request head, read as Go's ``net/http`` server reads it (Grafana runs on Go's server).

Looked up in golang/go (Go 1.22+, which Grafana 11/12 build with):

* ``net/http/server.go`` ``(*conn).serve``: a request that cannot be read is answered
  ``HTTP/1.1 <code> <text>`` + ``Content-Type: text/plain; charset=utf-8`` +
  ``Connection: close`` and the body ``<code> <text>``: no Content-Length, no Date, then the
  connection closes. Only a ``statusError`` adds ``: <detail>`` to both; every other parse
  error is a bare ``400 Bad Request``. An unknown transfer coding is ``501 Not Implemented``
  with the body ``Unsupported transfer encoding``; a head past the read limit is
  ``431 Request Header Fields Too Large`` (then ``closeWriteAndWait``). A client that goes
  away before sending a byte is not answered; one that stops mid-head gets the 400.
* ``server.go`` ``(*conn).readRequest``: the read limit is ``MaxHeaderBytes`` + 4096 (bufio
  slop); Grafana's ``http.Server`` (pkg/api/http_server.go) sets no ``MaxHeaderBytes``, so the
  default 1 MiB holds and the number of headers is not limited. After a POST, up to four CR/LF
  bytes before the next request are skipped. Then, in this order: a version other than 1.x is
  ``505 ...: unsupported protocol version`` (``PRI * HTTP/2.0`` aside); an HTTP/1.1 request
  without Host (CONNECT aside) is ``400 ...: missing required Host header``; a Host with a byte
  outside ``httpguts.ValidHostHeader`` is ``400 ...: malformed Host header``; a header name that
  textproto let through with a space in it is ``400 ...: invalid header name``.
* ``net/http/request.go`` ``readRequest``: the line is cut at its first two spaces
  (``parseRequestLine``), the method is a case-sensitive token (``validMethod``), the version is
  ``HTTP/X.Y`` with one digit each (``ParseHTTPVersion``), the target goes through
  ``url.ParseRequestURI`` (no control bytes, origin form or absolute form, ``*``, well-formed
  ``%`` escapes); two Host lines are ``fmt.Errorf("too many Host headers")``, a bare 400;
  ``readTransfer`` then decides the body framing (``transfer.go``: one ``Transfer-Encoding``
  value, ``chunked``, else 501, ignored on HTTP/1.0; Content-Length values must agree, be
  digits and not be empty).
* ``net/textproto/reader.go`` ``readMIMEHeader``: lines end at LF (one CR before it is
  dropped); a first header line that starts with SP/HT, a line with no colon, a name of other
  than token bytes (spaces are let through, see above) and a value byte that is a CTL other
  than HT are each a bare 400. A line starting with SP/HT continues the one before (joined by a
  single space); values are trimmed of SP/HT.

Repeated headers: the router gets the first value of each name, as Grafana reads every header
it looks at with ``Header.Get`` (Authorization, X-Grafana-Org-Id, Accept, Content-Type);
``Head.fields`` keeps them all for the framing rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import unquote_to_bytes

from dashgen.testing.dispatch import reason

MAX_HEADER_BYTES = 1 << 20  # Go's DefaultMaxHeaderBytes
READ_LIMIT = MAX_HEADER_BYTES + 4096  # initialReadLimitSize: "bufio slop"

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_NAME_WITH_SPACES = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z ]+")
# A header line with a token name and a value free of CTLs (HT allowed): the common case.
_FIELD = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*)")
# ``_FIELD`` as a whole line of a decoded header block (``_plain_fields``).
_PLAIN_FIELD = re.compile(_FIELD.pattern.decode("latin-1") + r"\r?\n")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")
_CTL = re.compile(rb"[\x00-\x1f\x7f]")
_SCHEME = re.compile(rb"[A-Za-z][A-Za-z0-9+\-.]*:")
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_VALID_HOST = re.compile(r"[0-9A-Za-z!$%&'()*+,\-.:;=\[\]_~]*")
_DIGITS = re.compile(r"[0-9]+")
_GO_TEXTS = {414: "Request URI Too Long", 418: "I'm a teapot"}  # where Python's differ
_MAX_INT64 = (1 << 63) - 1


def status_text(status: int) -> str:
    """Go's ``StatusText``, with its fallback for a code it has no text for."""
    text = _GO_TEXTS.get(status) or reason(status)
    return f"status code {status}" if text == "Error" else text


class HeadError(Exception):
    """A request Go's server refuses before it reaches Grafana's handler."""

    def __init__(self, status: int = 400, detail: str = "", body: str | None = None) -> None:
        super().__init__(f"{status} {detail}")
        self.status = status
        self.detail = detail
        self.body = body

    def answer(self) -> bytes:
        """The bytes ``(*conn).serve`` writes before it closes the connection."""
        line = f"{self.status} {status_text(self.status)}"
        if self.detail:
            line += ": " + self.detail
        body = line if self.body is None else self.body
        return (
            f"HTTP/1.1 {line}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Connection: close\r\n\r\n{body}"
        ).encode()


def _bad_request(detail: str = "") -> HeadError:
    return HeadError(400, detail)


TOO_LARGE = HeadError(431)
UNSUPPORTED_TE = HeadError(501, body="Unsupported transfer encoding")


@dataclass(slots=True)
class Head:
    method: str
    target: str  # as sent, for OPTIONS *
    path: str  # %-decoded, as Grafana's router matches it
    query: str
    major: int
    minor: int
    fields: dict[str, list[str]]  # lower-cased names, every value in order
    body_length: int  # -1: chunked

    @property
    def headers(self) -> dict[str, str]:
        return {name: values[0] for name, values in self.fields.items()}

    def at_least_11(self) -> bool:
        return (self.major, self.minor) >= (1, 1)

    def has_token(self, name: str, token: str) -> bool:
        """``httpguts.HeaderValuesContainsToken``: a comma-separated, case-blind match."""
        return any(
            part.strip(" \t").lower() == token
            for value in self.fields.get(name, ())
            for part in value.split(",")
        )

    def wants_close(self) -> bool:
        """``shouldClose``: HTTP/1.0 unless it asks for keep-alive; ``Connection: close``."""
        if self.has_token("connection", "close"):
            return True
        return not self.at_least_11() and not self.has_token("connection", "keep-alive")


class _Lines:
    """Lines off the connection, within Go's read limit for one head."""

    __slots__ = ("block", "budget", "rfile", "started", "taken")

    def __init__(self, rfile: BinaryIO) -> None:
        self.rfile = rfile
        self.budget = READ_LIMIT
        self.started = False
        self.taken: list[bytes] = []  # the lines of a head read whole, last first
        self.block: bytes | None = None  # its header lines, up to the blank line

    def take_whole_head(self) -> None:
        """Read the head at once when the buffer already holds all of it (the common case:
        the client wrote it in one go); else lines are read one by one, the same lines."""
        peek = getattr(self.rfile, "peek", None)
        if peek is None:
            return
        buffered = peek(1)  # (waits for the client, as readline would)
        first = buffered.find(b"\n")
        if first < 0:
            return
        crlf = buffered.find(b"\n\r\n", first)
        # A bare LF blank line before it (searched no further: the buffer may hold a body).
        bare = buffered.find(b"\n\n", first, crlf + 1 if crlf >= 0 else len(buffered))
        size = bare + 2 if bare >= 0 else crlf + 3 if crlf >= 0 else 0
        if not 0 < size <= self.budget:
            return
        data = self.rfile.read(size)
        self.budget -= len(data)
        self.started = True
        self.block = data[first + 1 :]
        lines = data.split(b"\n")[:-1]
        self.taken = [line[:-1] if line.endswith(b"\r") else line for line in reversed(lines)]

    def next(self) -> bytes:
        if self.taken:
            return self.taken.pop()
        line = self.rfile.readline(self.budget)
        self.budget -= len(line)
        if line.endswith(b"\n"):
            self.started = True
            return line[:-2] if line.endswith(b"\r\n") else line[:-1]
        if self.budget <= 0:
            raise TOO_LARGE
        if line or self.started:
            raise _bad_request()  # io.ErrUnexpectedEOF is answered
        raise EOFError  # nothing sent: a common net read error, not answered

    def skip_leading_newlines(self) -> None:
        """RFC 7230 section 3 tolerance after a POST: up to four CR or LF bytes."""
        peeked = self.rfile.peek(4)[:4]  # type: ignore[attr-defined]
        skip = len(peeked) - len(peeked.lstrip(b"\r\n"))
        if skip:
            self.started = True
            self.budget -= len(self.rfile.read(skip))


def read_head(rfile: BinaryIO, after_post: bool = False) -> Head | None:
    """The next request head on ``rfile``; None when the client sent nothing more.

    Raises ``HeadError`` for a request Go answers (and hangs up on) itself."""
    lines = _Lines(rfile)
    try:
        if after_post:
            lines.skip_leading_newlines()
        lines.take_whole_head()
        request_line = lines.next()
    except EOFError:
        return None
    method, _, rest = request_line.partition(b" ")
    target, space, proto = rest.partition(b" ")
    if not space:
        raise _bad_request()  # malformed HTTP request
    if not _TOKEN.fullmatch(method):
        raise _bad_request()  # invalid method
    if proto == b"HTTP/1.1":
        major, minor = 1, 1
    elif proto == b"HTTP/1.0":
        major, minor = 1, 0
    elif version := _VERSION.fullmatch(proto):
        major, minor = int(version[1]), int(version[2])
    else:
        raise _bad_request()  # malformed HTTP version
    raw_path, query, authority = _request_uri(method, target)
    fields = _read_fields(lines)
    if len(fields.get("host", ())) > 1:
        raise _bad_request()  # too many Host headers
    name = method.decode()
    head = Head(name, target.decode("latin-1"), _decoded(raw_path), query, major, minor, fields, 0)
    head.body_length = _body_length(head)
    _check_server_rules(head)
    if authority:
        fields["host"] = [authority]  # req.Host is the target's host in absolute form
    return head


def _request_uri(method: bytes, target: bytes) -> tuple[bytes, str, str]:
    """``url.ParseRequestURI``: (raw path, raw query, authority of an absolute form)."""
    if not target or _CTL.search(target):
        raise _bad_request()
    if method == b"CONNECT" and not target.startswith(b"/"):
        return b"", "", target.decode("latin-1")  # authority form
    if target == b"*":
        return b"*", "", ""
    if target.startswith(b":"):
        raise _bad_request()  # missing protocol scheme
    scheme = _SCHEME.match(target)
    rest = target[scheme.end() :] if scheme else target
    rest, _, query = rest.partition(b"?")
    authority = b""
    if not rest.startswith(b"/"):
        if scheme is None:
            raise _bad_request()  # invalid URI for request
        rest = b""  # an opaque URI: no path
    elif scheme is not None and rest.startswith(b"//"):
        authority, slash, path = rest[2:].partition(b"/")
        rest = slash + path
        authority = authority.rpartition(b"@")[2]
    if b"%" in rest and _BAD_ESCAPE.search(rest):
        raise _bad_request()  # invalid URL escape
    return rest, query.decode("utf-8", "replace"), authority.decode("latin-1")


def _decoded(raw_path: bytes) -> str:
    if b"%" in raw_path:
        raw_path = unquote_to_bytes(raw_path)
    return raw_path.decode("utf-8", "replace")


def _read_fields(lines: _Lines) -> dict[str, list[str]]:
    """``readMIMEHeader`` up to the blank line."""
    if lines.block is not None:
        plain = _plain_fields(lines.block.decode("latin-1"))
        if plain is not None:
            return plain
    fields: dict[str, list[str]] = {}
    line = lines.next()
    if line[:1] in (b" ", b"\t"):
        raise _bad_request()  # malformed MIME header initial line
    while line:
        if b":" not in line:
            raise _bad_request()  # malformed MIME header: missing colon
        following = lines.next()
        if following[:1] in (b" ", b"\t"):  # continuation lines (obs-fold)
            parts = [line.strip(b" \t")]
            while following[:1] in (b" ", b"\t"):
                parts.append(following.strip(b" \t"))
                following = lines.next()
            line = b" ".join(parts)
        else:
            line = line.strip(b" \t")
        field = _FIELD.fullmatch(line)
        if field is not None:
            name, value = field[1], field[2]
        else:
            name, _, value = line.partition(b":")
            if not _NAME_WITH_SPACES.fullmatch(name) or _BAD_VALUE.search(value):
                raise _bad_request()  # malformed MIME header line
            value = value.lstrip(b" \t")  # a name with a space: refused below, after Host
        key = name.decode("latin-1").lower()
        if key in fields:
            fields[key].append(value.decode("latin-1"))
        else:
            fields[key] = [value.decode("latin-1")]
        line = following
    return fields


def _plain_fields(text: str) -> dict[str, list[str]] | None:
    """The fields of a header block whose every line ``_PLAIN_FIELD`` matches (no folded
    line, no odd name, no CTL in a value); None for any other block."""
    fields: dict[str, list[str]] = {}
    at = 0
    for field in _PLAIN_FIELD.finditer(text):
        if field.start() != at:
            return None
        at = field.end()
        fields.setdefault(field[1].lower(), []).append(field[2].rstrip(" \t"))
    return fields if text[at:] in ("\r\n", "\n") else None


def _body_length(head: Head) -> int:
    """``readTransfer``: -1 for a chunked body, else its Content-Length (0 when none)."""
    chunked = False
    codings = head.fields.get("transfer-encoding")
    if codings is not None and head.at_least_11():  # HTTP/1.0: ignored (Go issue 12785)
        if len(codings) != 1 or codings[0].lower() != "chunked":
            raise UNSUPPORTED_TE
        chunked = True
    lengths = head.fields.get("content-length")
    if not lengths:
        return -1 if chunked else 0
    first = lengths[0].strip(" \t")
    if any(other.strip(" \t") != first for other in lengths[1:]):
        raise _bad_request()  # message cannot contain multiple Content-Length headers
    if chunked:
        return -1  # Content-Length is dropped with chunked framing
    if not _DIGITS.fullmatch(first) or int(first) > _MAX_INT64:
        raise _bad_request()  # invalid empty / bad Content-Length
    return int(first)


def _check_server_rules(head: Head) -> None:
    """What ``(*conn).readRequest`` checks once ``readRequest`` returned, in its order."""
    h2_preface = head.method == "PRI" and head.target == "*" and (head.major, head.minor) == (2, 0)
    if head.major != 1 and not h2_preface:
        raise HeadError(505, "unsupported protocol version")
    hosts = head.fields.get("host")
    if hosts is None and head.at_least_11() and head.method != "CONNECT" and not h2_preface:
        raise _bad_request("missing required Host header")
    if hosts is not None and not _VALID_HOST.fullmatch(hosts[0]):
        raise _bad_request("malformed Host header")
    for name in head.fields:
        if " " in name:
            raise _bad_request("invalid header name")
