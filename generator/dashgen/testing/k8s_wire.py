"""How the k8s handlers behind /apis write a JSON answer: compact with a newline, pretty, raw, or
gzipped. Grafana's own JSON on /apis (its authentication's 401) is none of these.

Sources (k8s.io/apiserver and apimachinery, as Grafana vendors them):

- ``endpoints/handlers/negotiation/negotiate.go``: ``NegotiateOutputMediaType`` picks the
  pretty serializer when the chosen ``Accept`` clause has ``pretty=1`` or ``isPrettyPrint``
  holds: a ``pretty`` query value, read with ``strconv.ParseBool`` (``1``, ``t``, ``true``,
  ``TRUE``… pretty; ``0``, ``false``… or an unparsable value not, whatever the user agent),
  else a ``User-Agent`` that starts with ``curl``, ``Wget`` or ``Mozilla/5.0``;
- ``runtime/serializer/json/json.go`` (``doEncode``): compact is ``json.NewEncoder(w).Encode``
  (a newline at the end), pretty ``json.MarshalIndent(obj, "", "  ")`` (no newline);
- ``endpoints/handlers/responsewriters/writers.go``: ``ErrorNegotiated`` writes a Status with
  ``DefaultEndpointRestrictions``, which allow no ``as=``; when no ``Accept`` clause is left,
  ``WriteObjectNegotiated`` answers ``WriteRawJSON`` (``MarshalIndent``, no newline, never
  compressed) with the error's own code;
- same file, ``SerializeObject``/``deferredResponseWriter`` with ``ContentEncodingSupported``
  (``APIResponseCompression``, Beta and on by default; Grafana's apiserver options only set
  ``WatchList``, ``pkg/services/apiserver/options/extra.go``): an answer whose one write is
  over 128 KiB (``defaultGzipThresholdBytes``) is gzipped (level 1) when an
  ``Accept-Encoding`` token is exactly ``gzip``, with ``Content-Encoding: gzip`` and
  ``Vary: Accept-Encoding``.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import replace

from dashgen.testing import apis_partial
from dashgen.testing.wire import Request, Response

GZIP_THRESHOLD = 128 * 1024  # defaultGzipThresholdBytes
GZIP_LEVEL = 1  # gzipContentEncodingLevel
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")
_PRETTY_AGENTS = ("curl", "Wget", "Mozilla/5.0")
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^"{}\[\],:]+')


def is_pretty_print(request: Request) -> bool:
    """``isPrettyPrint``: the ``pretty`` query value, else the user agent."""
    value = request.arg("pretty") or ""
    if value:
        return value in _TRUE  # (ParseBool's error is "false": an unknown value is compact)
    agent = request.header("User-Agent") or ""
    return agent.startswith(_PRETTY_AGENTS)


def go_indent(compact: bytes) -> bytes:
    """``json.Indent(dst, compact, "", "  ")``: empty objects and arrays stay ``{}``/``[]``."""
    out: list[bytes] = []
    depth = 0
    opened = False  # an object or array has just opened: indent before its first value
    for token in _TOKENS.findall(compact):
        if token in (b"}", b"]"):
            if opened:
                opened = False
            else:
                depth -= 1
                out.append(b"\n" + b"  " * depth)
            out.append(token)
            continue
        if opened:
            opened = False
            depth += 1
            out.append(b"\n" + b"  " * depth)
        if token in (b"{", b"["):
            out.append(token)
            opened = True
        elif token == b",":
            out.append(b",\n" + b"  " * depth)
        elif token == b":":
            out.append(b": ")
        else:
            out.append(token)
    return b"".join(out)


def _accepts_gzip(request: Request) -> bool:
    encoding = request.header("Accept-Encoding") or ""
    return any(token.strip() == "gzip" for token in encoding.split(","))


def encoded(request: Request, response: Response) -> Response:
    """``response`` as the k8s handlers write it (see the module's docstring)."""
    headers = dict(response.header_items())
    if not headers.get("Content-Type", "").startswith("application/json"):
        return response
    if response.status == 304:
        return response
    compact = response.encoded()
    if not compact.startswith(b'{"kind":') or compact.endswith(b"\n"):
        return response  # (Grafana's own JSON: its authentication's 401, say)
    failed = response.status >= 400  # (a Status: ErrorNegotiated's restrictions)
    found = apis_partial.chosen(request.header("Accept"), transforms=not failed)
    if found is None:  # WriteRawJSON
        headers["Content-Type"] = "application/json"
        return replace(response, raw=go_indent(compact), body=None, headers=headers)
    clause = found[1]
    pretty = (clause is not None and clause.params.get("pretty") == "1") or is_pretty_print(request)
    raw = go_indent(compact) if pretty else compact + b"\n"
    if len(raw) > GZIP_THRESHOLD and _accepts_gzip(request):
        raw = gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0)
        headers["Content-Encoding"] = "gzip"
        headers["Vary"] = "Accept-Encoding"
    return replace(response, raw=raw, body=None, headers=headers)


def warning_header(text: str) -> str:
    """``net.NewWarningHeader(299, "-", text)``: ``"`` and ``\\`` escaped, nothing else."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{quoted}"'


def with_warnings(response: Response, warnings: list[str]) -> Response:
    """``response`` with a ``Warning`` header per warning (joined with ``, `` here, which
    a header list means the same as repeated lines; client-go parses both), each once."""
    if not warnings:
        return response
    shown = ", ".join(warning_header(text) for text in dict.fromkeys(warnings))
    return replace(response, headers={**response.headers, "Warning": shown})
