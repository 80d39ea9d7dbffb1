"""What Grafana's answers must look like, checked at the client boundary.

Each call in ``admin.py``, ``classic.py`` (shapes in ``classic_shapes.py``) and
``datasources.py`` says what it expects (a ``Shape``: a JSON object with these keys of these
types, a list of such objects, one of two forms, or any JSON); the client checks every
answer against it. Anything else (an HTML page from a proxy, a wrong
sub-path, Grafana's own web app, a redirect, an empty body, JSON of another shape) becomes
an ``UnexpectedResponseError`` that says what was expected at which URL and what came
back: status, content type and the first characters of the body, redacted.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Union

import httpx
import orjson

from dashgen.errors import UnexpectedResponseError
from dashgen.secrets import redact

EXCERPT_LENGTH = 80
MESSAGE_LENGTH = 200  # Grafana's own error messages are short; a longer one is cut
Check = Union[type, tuple[type, ...], "Shape"]

_TYPE_NAMES = {
    int: "an integer",
    float: "a number",
    str: "a string",
    bool: "a boolean",
    dict: "an object",
    list: "a list",
    type(None): "null",
}
_GRAFANA_APP = re.compile(r"grafanaBootData|<title>[^<]*Grafana", re.IGNORECASE)
_LOGIN_PAGE = re.compile(r"log ?in|sign ?in|password|oauth|sso|authenticat", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")

URL_HINT = "check the Grafana URL (--grafana-url, env GRAFANA_URL or grafana_url in the config)"
GRAFANA_APP_HINT = (
    "that is Grafana's web app, which Grafana serves for any path outside its API: the path "
    "of the Grafana URL is probably wrong (for a Grafana under a sub-path give that path, "
    f"e.g. https://example.com/grafana, and nothing more); {URL_HINT}"
)
LOGIN_PAGE_HINT = (
    "that looks like the login page of a proxy in front of Grafana, not Grafana's API: use an "
    f"address that reaches Grafana itself, or let API tokens through the proxy; {URL_HINT}"
)
HTML_HINT = f"an HTML page, not Grafana's API; {URL_HINT}"
NOT_JSON_HINT = f"not an answer of Grafana's API; {URL_HINT}"
SHAPE_HINT = f"this is not what Grafana's API answers there; {URL_HINT}"
REDIRECT_HINT = (
    "Grafana's API does not redirect: use the address it redirects to as the Grafana URL, or "
    "check the proxy in front of Grafana"
)


@dataclass(frozen=True)
class Shape:
    """What a successful answer must be.

    ``kind``: ``object`` (keys in ``required`` must be there, keys in ``optional`` may be
    missing or null, each of the given type or nested ``Shape``), ``list`` (every item
    matches ``items``), ``either`` (one of ``options``: a route whose answer changed form
    between Grafana versions), or ``json`` (any JSON, or no body at all).
    """

    what: str
    kind: Literal["object", "list", "either", "json"] = "object"
    required: Mapping[str, Check] = field(default_factory=dict)
    optional: Mapping[str, Check] = field(default_factory=dict)
    items: Shape | None = None
    options: tuple[Shape, ...] = ()

    def problem(self, value: Any, where: str = "") -> str | None:
        """What in ``value`` does not match (a phrase), or None."""
        if self.kind == "json":
            return None
        if self.kind == "either":
            found = [option.problem(value, where) for option in self.options]
            if not found or None in found:
                return None
            # Say what is wrong with the form the value has (a list, or an object).
            same_form = [
                problem
                for option, problem in zip(self.options, found, strict=True)
                if (option.kind == "list") == isinstance(value, list)
            ]
            return (same_form or found)[0]
        label = f"{where!r} is" if where else "the body is"
        if self.kind == "list":
            if not isinstance(value, list):
                return f"{label} {_describe(value)}, not a list"
            if self.items is not None:
                for index, item in enumerate(value):
                    found = self.items.problem(item, f"{where or 'item'}[{index}]")
                    if found:
                        return found
            return None
        if not isinstance(value, dict):
            return f"{label} {_describe(value)}, not an object"
        for key, check in self.required.items():
            item = value.get(key)
            if item is None:
                return f"{_path(where, key)!r} is missing"
            if type(item) is not check:  # (of exactly that type: nothing more to look at)
                found = _check(check, item, _path(where, key))
                if found:
                    return found
        for key, check in self.optional.items():
            item = value.get(key)
            if item is not None and type(item) is not check:
                found = _check(check, item, _path(where, key))
                if found:
                    return found
        return None


ANY_JSON = Shape("Grafana's JSON answer", kind="json")


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _check(check: Check, value: Any, path: str) -> str | None:
    if isinstance(check, Shape):
        return check.problem(value, path)
    types = check if isinstance(check, tuple) else (check,)
    wrong_bool = isinstance(value, bool) and bool not in types
    if isinstance(value, types) and not wrong_bool:
        return None
    expected = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
    return f"{path!r} is {_describe(value)}, not {expected}"


def _describe(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), f"a {type(value).__name__}")


# -- decoding ----------------------------------------------------------------------------


_paused_lock = threading.Lock()
_paused = 0  # decodes running with the cyclic garbage collector paused


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused meanwhile (it was enabled before): parsing a
    LIST page makes millions of dicts and lists, each allocation burst triggers a
    collection that walks every object alive, which made a 25 MB LIST parse 3-4x slower.
    JSON values hold no cycles, so nothing is left uncollected; threads decoding at once
    share one pause, the last one out resumes collection."""
    global _paused
    with _paused_lock:
        pause = _paused > 0 or gc.isenabled()
        if pause:
            _paused += 1
            gc.disable()
    try:
        yield
    finally:
        if pause:
            with _paused_lock:
                _paused -= 1
                if _paused == 0:
                    gc.enable()


class NotJson(Exception):
    """The body is not JSON (HTML, plain text, truncated)."""


def decode(response: httpx.Response) -> Any:
    """The body as JSON (orjson on the raw bytes: dashboards are large); ``NotJson``
    otherwise."""
    try:
        with collection_paused():
            return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        pass  # orjson is strict (NaN, >64-bit ints); let the stdlib decide
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        raise NotJson from None


def excerpt(response: httpx.Response) -> str:
    """The first characters of the body, on one line, with any secret redacted."""
    text = _WHITESPACE.sub(" ", response.content[:4096].decode("utf-8", "replace")).strip()
    text = redact(text)
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def shortened(text: str, limit: int = MESSAGE_LENGTH) -> str:
    """``text`` on one line, redacted, at most ``limit`` characters."""
    text = redact(_WHITESPACE.sub(" ", text).strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def content_type(response: httpx.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def is_html(response: httpx.Response) -> bool:
    return "html" in content_type(response) or response.content.lstrip()[:1] == b"<"


def _hint_for_text(response: httpx.Response) -> str:
    if not is_html(response):
        return NOT_JSON_HINT
    text = response.content[:65536].decode("utf-8", "replace")
    if _GRAFANA_APP.search(text):
        return GRAFANA_APP_HINT
    if _LOGIN_PAGE.search(text):
        return LOGIN_PAGE_HINT
    return HTML_HINT


def unexpected(
    method: str,
    where: str,
    response: httpx.Response,
    shape: Shape,
    *,
    problem: str = "",
    hint: str = "",
    kind: str = "shape",
) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        method,
        where,
        expected=f"{shape.what} as JSON",
        status=response.status_code,
        content_type=content_type(response),
        excerpt=excerpt(response),
        problem=problem,
        hint=hint,
        kind=kind,
    )


def not_json(
    method: str, where: str, response: httpx.Response, shape: Shape
) -> UnexpectedResponseError:
    kind = "html" if is_html(response) else "not-json"
    problem = "an HTML page" if kind == "html" else "not JSON"
    hint = _hint_for_text(response)
    return unexpected(method, where, response, shape, problem=problem, hint=hint, kind=kind)


def checked_answer(method: str, where: str, response: httpx.Response, shape: Shape) -> Any:
    """The decoded body of a 1xx-3xx answer when it matches ``shape``; else raises
    ``UnexpectedResponseError``."""
    if 300 <= response.status_code < 400:
        location = redact(response.headers.get("Location", ""))
        problem = f"a redirect to {location}" if location else "a redirect"
        raise unexpected(
            method, where, response, shape, problem=problem, hint=REDIRECT_HINT, kind="redirect"
        )
    if not response.content.strip():
        if shape.kind == "json":
            return None
        problem = "an empty body"
        raise unexpected(
            method, where, response, shape, problem=problem, hint=URL_HINT, kind="empty"
        )
    try:
        body = decode(response)
    except NotJson:
        raise not_json(method, where, response, shape) from None
    problem = shape.problem(body)
    if problem is not None:
        raise unexpected(method, where, response, shape, problem=problem, hint=SHAPE_HINT)
    return body
