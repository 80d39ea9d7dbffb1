"""PATCH on a dashboard or folder: the patch is applied to the object as the URL's version shows
it, and the result is written as a PUT of it would be (admission, ``resourceVersion``,
``fieldValidation``, ``dryRun`` and all).

Sources: k8s.io/apiserver ``endpoints/installer.go`` (the generic installer, which Grafana's
builders use, serves PATCH for any storage that can get and update, with the types
``application/json-patch+json``, ``merge-patch+json``, ``strategic-merge-patch+json`` and
``apply-patch+yaml``) and ``endpoints/handlers/patch.go``:

- another ``Content-Type`` (``; charset=…`` cut off) is 415 ``the body of the request was in
  an unknown format - accepted media types include: …``;
- a JSON patch that does not decode is 400 with the decoder's error; one that does not apply
  is 422 ``the server rejected our request due to an error in our request``, the library's
  error as the one cause (``UnexpectedServerResponse``; the evanphx/json-patch wordings
  below are UNCONFIRMED); a merge patch that is not JSON is 400 ``Invalid JSON Patch``;
- the patched object goes through the update path; a missing object is 404 (no create).

Not emulated: server-side apply (``apply-patch+yaml`` is 415 here, naming the types the
emulator serves), and strategic merge's own directives (``$patch``, ``$retainKeys``…): a
strategic merge patch is applied as a merge patch, which is what it does for maps and for
lists without a patch strategy (UNCONFIRMED for Grafana's ``Unstructured`` spec).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from dashgen.testing import gojson, k8s_status
from dashgen.testing.router import Context
from dashgen.testing.wire import ApiError, Response

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
SERVED = (JSON_PATCH, MERGE_PATCH, STRATEGIC)
_MISSING = object()


def patch_type(ctx: Context) -> str:
    content_type = (ctx.request.header("Content-Type") or "").split(";")[0].strip()
    if content_type not in SERVED:
        raise k8s_status.status_error(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            + ", ".join(SERVED),
        )
    return content_type


def _cannot_apply(text: str) -> ApiError:
    """``NewGenericServerResponse(422, …)`` of patch.go's ``applyJSPatch``."""
    details = {"causes": [{"reason": "UnexpectedServerResponse", "message": text}]}
    return k8s_status.status_error(
        422, "Invalid", "the server rejected our request due to an error in our request", details
    )


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise _cannot_apply(f'JSON pointer must be empty or start with a "/": {pointer}')
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _parent(doc: Any, pointer: str, op: str) -> tuple[Any, str]:
    tokens = _tokens(pointer)
    if not tokens:
        raise _cannot_apply(f"{op} operation does not apply: doc is missing path: {pointer!r}")
    node = doc
    for token in tokens[:-1]:
        node = _child(node, token)
        if node is _MISSING:
            raise _cannot_apply(
                f'{op} operation does not apply: doc is missing path: "{pointer}": missing value'
            )
    return node, tokens[-1]


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        return node.get(token, _MISSING)
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    return _MISSING


def _get(doc: Any, pointer: str) -> Any:
    node = doc
    for token in _tokens(pointer):
        node = _child(node, token)
        if node is _MISSING:
            return _MISSING
    return node


def _add(doc: Any, pointer: str, value: Any) -> Any:
    if pointer == "":
        return value
    parent, key = _parent(doc, pointer, "add")
    if isinstance(parent, dict):
        parent[key] = value
    elif isinstance(parent, list) and (key == "-" or (key.isdigit() and int(key) <= len(parent))):
        parent.insert(len(parent) if key == "-" else int(key), value)
    else:
        raise _cannot_apply(f'add operation does not apply: doc is missing path: "{pointer}"')
    return doc


def _remove(doc: Any, pointer: str, op: str = "remove") -> tuple[Any, Any]:
    parent, key = _parent(doc, pointer, op)
    if isinstance(parent, dict) and key in parent:
        return doc, parent.pop(key)
    if isinstance(parent, list) and key.isdigit() and int(key) < len(parent):
        return doc, parent.pop(int(key))
    raise _cannot_apply(f"Unable to remove nonexistent key: {key}: missing value")


def json_patch(doc: Any, body: bytes) -> Any:
    """RFC 6902 over ``doc`` (changed in place where it can be)."""
    try:
        operations = gojson.loads(body)[1]
    except gojson.GoJSONError as error:
        raise k8s_status.bad_request(str(error)) from None
    if not isinstance(operations, list) or not all(isinstance(o, dict) for o in operations):
        shown = "object" if isinstance(operations, dict) else "value"
        raise k8s_status.bad_request(
            f"json: cannot unmarshal {shown} into Go value of type jsonpatch.Patch"
        )
    for operation in operations:
        op, path = operation.get("op"), operation.get("path", "")
        if op == "add":
            doc = _add(doc, path, gojson.clone(operation.get("value")))
        elif op == "remove":
            doc, _ = _remove(doc, path)
        elif op == "replace":
            if _get(doc, path) is _MISSING:
                raise _cannot_apply(
                    f"replace operation does not apply: doc is missing key: {path}: missing value"
                )
            doc, _ = _remove(doc, path, "replace")
            doc = _add(doc, path, gojson.clone(operation.get("value")))
        elif op in ("move", "copy"):
            source = operation.get("from", "")
            value = _get(doc, source)
            if value is _MISSING:
                raise _cannot_apply(
                    f'{op} operation does not apply: doc is missing from path: "{source}"'
                )
            if op == "move":
                doc, value = _remove(doc, source, "move")
            doc = _add(doc, path, gojson.clone(value))
        elif op == "test":
            if _get(doc, path) != operation.get("value"):
                raise _cannot_apply(f"testing value {path} failed: test failed")
        else:
            raise _cannot_apply(f"Unexpected kind: {op}")
    return doc


def merge_patch(doc: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return gojson.clone(patch)
    target = doc if isinstance(doc, dict) else {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = merge_patch(target.get(key), value)
    return target


def patched(ctx: Context, current: dict[str, Any], kind: str) -> dict[str, Any]:
    """``current`` (a copy the caller may give away) with the request's patch applied."""
    if kind == JSON_PATCH:
        result = json_patch(current, ctx.request.body)
    else:
        try:
            patch = gojson.loads(ctx.request.body)[1]
        except gojson.GoJSONError:
            raise k8s_status.bad_request("Invalid JSON Patch") from None
        if not isinstance(patch, dict):
            raise k8s_status.bad_request("Invalid JSON Patch")
        result = merge_patch(current, patch)
    if not isinstance(result, dict):
        raise k8s_status.bad_request("the patched object is not an object")
    return result


def through_put(
    ctx: Context, kind: str, current: dict[str, Any], put: Callable[[Context], Response]
) -> Response:
    """Apply the patch to ``current`` and answer what ``put`` answers for the result."""
    body = patched(ctx, current, kind)
    headers = {**ctx.request.headers, "content-type": "application/json"}
    request = replace(ctx.request, method="PUT", body=gojson.dumps(body), headers=headers)
    answer = put(replace(ctx, request=request))  # (the same warnings list)
    answer.status = 200
    return answer
