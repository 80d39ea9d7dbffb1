"""Decoding, mutating and validating a dashboard written to ``/apis`` (grafana-apis.md §3.3, §4.3,
§4.4, §4.6).

Order, as in the apiserver: decode the body (400), mutating admission (strip ``spec.id``/
``uid``/``version``, migrate v1 specs to the latest ``schemaVersion``: 422 ``Invalid`` below
the migrator's minimum), name rules (422 without a name), then validating admission
(``ValidateBasicDashboardProperties``: 400 ``BadRequest`` with the classic messages, then the
refresh check).

What the emulator's "migration" does: it only stamps ``schemaVersion`` to the profile's
latest; the panel rewrites of Grafana's migrations are not emulated. ``v0alpha1`` bodies are
not migrated ("raw unstructured spec", §1.3). The CUE schema validation of v1 is not
emulated; for v2 only the shape of ``layout`` and ``elements`` is checked (422 ``Invalid``).
``?fieldValidation=Ignore|Warn`` skips the 422s (``Strict``, the default, rejects).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dashgen.testing import apis_fields, gojson, k8s_meta, k8s_objectmeta, k8s_status
from dashgen.testing.k8s_status import Kind
from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.refresh import NOT_CHECKED, parse_grafana_duration
from dashgen.testing.router import Context
from dashgen.testing.wire import ApiError

_NAME_CHARS = re.compile(r"^[a-zA-Z0-9\-_]*$")
_GENERATED_SUFFIX = "bcdfghjklmnpqrstvwxz2456789"  # k8s names.SimpleNameGenerator
LAYOUT_KINDS = ("GridLayout", "RowsLayout", "TabsLayout", "AutoGridLayout")
MAX_TITLE = 5000
MAX_MESSAGE = 500
MAX_NAME = 40
FIELD_MANAGER_MAX = 128  # validation.FieldManagerMaxLength


@dataclass(frozen=True)
class Written:
    """A decoded resource body: what the write asks for, after mutation."""

    name: str  # "" when only generateName was given (filled in by ``assign_name``)
    generate_name: str
    namespace: str | None
    resource_version: str
    annotations: dict[str, str]  # client annotations (server-owned ones removed)
    labels: dict[str, str]
    folder_uid: str | None
    message: str
    spec: dict[str, Any]
    title: str
    v2: bool = False  # a schema v2 spec (written to a v2… version)


def options(ctx: Context, options_kind: str) -> tuple[bool, bool]:
    """``(dry_run, strict)`` from ``?dryRun=`` and ``?fieldValidation=``, after
    ``ValidateCreateOptions``/``ValidateUpdateOptions`` (apimachinery
    ``apis/meta/v1/validation/validation.go``: one 422 ``<Kind>.meta.k8s.io "" is invalid``
    for a bad ``fieldManager``, ``dryRun`` or ``fieldValidation``). ``strict`` is Grafana's
    reading of the directive for migration errors: empty is ``Strict`` (§4.6); the k8s
    decoder's own reading (empty is ``Warn``) is ``apis_fields``."""
    dry_run = ctx.request.args("dryRun")
    validation = ctx.request.arg("fieldValidation") or ""
    manager = ctx.request.arg("fieldManager") or ""
    causes = []
    if len(manager.encode()) > FIELD_MANAGER_MAX:
        causes.append(
            ("fieldManager", "Too long", f"may not be more than {FIELD_MANAGER_MAX} bytes")
        )
    for index, char in enumerate(manager):
        if not char.isprintable():
            detail = f"invalid character U+{ord(char):04X} (at position {index})"
            causes.append(
                ("fieldManager", "Invalid value", f"{gojson.dumps(manager).decode()}: {detail}")
            )
    if any(value != "All" for value in dry_run):
        shown = "[]string{" + ", ".join(f'"{v}"' for v in dry_run) + "}"
        causes.append(("dryRun", "Unsupported value", f'{shown}: supported values: "All"'))
    if validation not in ("", "Strict", "Warn", "Ignore"):
        supported = 'supported values: "", "Ignore", "Strict", "Warn"'
        causes.append(
            (
                "fieldValidation",
                "Unsupported value",
                f"{gojson.dumps(validation).decode()}: {supported}",
            )
        )
    if causes:
        raise k8s_status.invalid(Kind("", "meta.k8s.io", options_kind), "", causes)
    return bool(dry_run), validation in ("", "Strict")


def decode(ctx: Context, kind: Kind, version: str) -> dict[str, Any]:
    """The JSON body. No ``Content-Type`` is taken as JSON (k8s's default); another type is
    415 (YAML and protobuf, which Grafana accepts, are not emulated), worded as
    ``negotiation.NewUnsupportedMediaTypeError`` words it (no type named)."""
    limit = ctx.profile.apis_max_body_bytes
    if len(ctx.request.body) > limit:
        raise k8s_status.status_error(
            413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit}"
        )
    content_type = (ctx.request.header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type not in ("", "application/json"):
        raise k8s_status.status_error(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted "
            "media types include: application/json, application/yaml, "
            "application/vnd.kubernetes.protobuf",
        )
    try:
        body = gojson.loads(ctx.request.body)[1]
    except gojson.GoJSONError as error:
        raise k8s_status.bad_request(f"error decoding body: {error}") from None
    if not isinstance(body, dict):
        raise k8s_status.bad_request("the body of the request was in an unknown format")
    apis_fields.check(ctx, body, kind, version)
    expected = f"{kind.group}/{version}"
    sent = body.get("apiVersion")
    if sent not in (None, "") and sent != expected:
        raise k8s_status.bad_request(
            f"the API version in the data ({sent}) does not match the expected API version "
            f"({expected})"
        )
    sent_kind = body.get("kind")
    if sent_kind not in (None, "") and sent_kind != kind.kind:
        raise k8s_status.bad_request(
            f'no kind "{sent_kind}" is registered for version "{expected}"'
        )
    for key in ("metadata", "spec"):
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise k8s_status.bad_request(f"{key} must be an object")
    return body


def _strings(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise k8s_status.bad_request(f"metadata.{what} must be a map of strings")
    return dict(value)


def read_body(
    ctx: Context, kind: Kind, version: str, profile: GrafanaProfile, *, strict: bool
) -> Written:
    body = decode(ctx, kind, version)
    metadata = body.get("metadata") or {}
    annotations = _strings(metadata.get("annotations"), "annotations")
    labels = _strings(metadata.get("labels"), "labels")
    folder_uid = annotations.get(k8s_meta.FOLDER) or None
    message = annotations.get(k8s_meta.MESSAGE, "")
    for key in (*k8s_meta.SERVER_ANNOTATIONS, k8s_meta.GRANT_PERMISSIONS):
        annotations.pop(key, None)
    labels.pop(k8s_meta.INTERNAL_ID_LABEL, None)
    spec = dict(body.get("spec") or {})
    name = metadata.get("name")
    generate_name = metadata.get("generateName")
    if kind.kind == "Dashboard":
        spec = mutate(spec, version, profile, name if isinstance(name, str) else "", strict)
    title = spec.get("title")
    return Written(
        name=name if isinstance(name, str) else "",
        generate_name=generate_name if isinstance(generate_name, str) else "",
        namespace=metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else None,
        resource_version=str(metadata.get("resourceVersion") or ""),
        annotations=annotations,
        labels=labels,
        folder_uid=folder_uid,
        message=message,
        spec=spec,
        title=title if isinstance(title, str) else "",
        v2=version.startswith("v2"),
    )


def _schema_version(spec: dict[str, Any]) -> int:
    """``schemaversion.GetSchemaVersion``: a number, a numeric string, else 0."""
    value = spec.get("schemaVersion")
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value):
        return int(value)
    return 0


def mutate(
    spec: dict[str, Any], version: str, profile: GrafanaProfile, name: str, strict: bool
) -> dict[str, Any]:
    """``mutate.go`` (@04ae7045): v0/v1 bodies lose ``uid``, ``version`` and a numeric ``id``
    (another ``id``, e.g. null, stays); v1 ones are migrated; a v2 body without a layout gets
    an empty GridLayout."""
    if version.startswith("v2"):
        if spec.get("layout") is None:
            spec["layout"] = {"kind": "GridLayout", "spec": {"items": []}}
        if strict:
            _check_v2_shape(spec, name)
        return spec
    spec.pop("uid", None)
    spec.pop("version", None)
    if isinstance(spec.get("id"), int | float) and not isinstance(spec.get("id"), bool):
        del spec["id"]
    if version == "v0alpha1":
        return spec
    current = _schema_version(spec)
    if current < profile.schema_minimum:
        if strict:
            detail = (
                f"dashboard schema version {current} cannot be migrated to latest version "
                f"{profile.schema_latest} - migration path only exists for versions greater "
                f"than {profile.schema_minimum}"
            )
            # field.Invalid(spec, <name>, err): the value shown is the name, quoted.
            shown = gojson.dumps(name).decode()
            raise k8s_status.invalid(
                k8s_status.DASHBOARD_KIND, name, [("spec", "Invalid value", f"{shown}: {detail}")]
            )
        return spec
    if current > profile.schema_latest and strict:
        # No migration step reaches the latest version from above it (migrate.go: "schema
        # version not migrated to target version", MigrationError.Error()'s wording).
        detail = (
            f"schema migration from version {current} to {profile.schema_latest} failed: "
            "schema version not migrated to target version"
        )
        shown = gojson.dumps(name).decode()
        raise k8s_status.invalid(
            k8s_status.DASHBOARD_KIND, name, [("spec", "Invalid value", f"{shown}: {detail}")]
        )
    if current < profile.schema_latest:
        spec["schemaVersion"] = profile.schema_latest
    return spec


def _check_v2_shape(spec: dict[str, Any], name: str) -> None:
    causes: list[tuple[str, str, str]] = []
    layout = spec.get("layout")
    if not isinstance(layout, dict):
        causes.append(("spec.layout", "Required value", "a layout is required"))
    elif layout.get("kind") not in LAYOUT_KINDS:
        kinds = ", ".join(f'"{k}"' for k in LAYOUT_KINDS)
        shown = gojson.dumps(layout.get("kind")).decode()
        causes.append(
            ("spec.layout.kind", "Unsupported value", f"{shown}: supported values: {kinds}")
        )
    if "elements" in spec and not isinstance(spec["elements"], dict):
        causes.append(("spec.elements", "Invalid value", "elements must be an object"))
    if causes:
        raise k8s_status.invalid(k8s_status.DASHBOARD_KIND, name, causes)


def assign_name(ctx: Context, written: Written, kind: Kind) -> str:
    """``metadata.name``, or one generated from ``generateName`` (§3.1); 422 without either."""
    if written.name:
        return written.name
    if written.generate_name:
        suffix = "".join(ctx.state.rng.choice(_GENERATED_SUFFIX) for _ in range(5))
        return written.generate_name + suffix
    raise k8s_status.invalid(
        kind, "", [("metadata.name", "Required value", "name or generateName is required")]
    )


def validate_basic(profile: GrafanaProfile, name: str, written: Written, min_refresh: str) -> str:
    """``ValidateBasicDashboardProperties`` then the refresh check; the title to store. The
    apiserver's own metadata checks (422) run just before this admission (``k8s_objectmeta``)."""
    validate_meta(k8s_status.DASHBOARD_KIND, name, written)
    title = written.title.strip() if profile.apis_trim_title else written.title
    if title == "":
        raise k8s_status.bad_request("Dashboard title cannot be empty")
    # Go's len(): bytes, not characters (the message's "5 000 characters" notwithstanding).
    if len(title.encode()) > MAX_TITLE:
        raise k8s_status.bad_request("Dashboard title cannot contain more than 5 000 characters")
    if written.message and len(written.message.encode()) > MAX_MESSAGE:
        raise k8s_status.bad_request("message too long, max 500 characters")
    if not _NAME_CHARS.match(name):
        raise k8s_status.bad_request("uid contains illegal characters")
    if len(name) > MAX_NAME:
        raise k8s_status.bad_request("uid too long, max 40 characters")
    if written.v2:  # getDashboardProperties: v2 keeps it in timeSettings.autoRefresh
        settings = written.spec.get("timeSettings")
        if isinstance(settings, dict):
            _check_refresh(profile, settings, "autoRefresh", min_refresh)
    else:
        _check_refresh(profile, written.spec, "refresh", min_refresh)
    return title


def _check_refresh(profile: GrafanaProfile, holder: dict[str, Any], key: str, minimum: str) -> None:
    """``ValidateDashboardRefreshInterval``: rejected (§4.6), or raised as the classic save."""
    refresh = holder.get(key)
    if not minimum or not isinstance(refresh, str) or refresh in NOT_CHECKED:
        return
    if profile.apis_short_refresh == "raise":
        floor, seconds = parse_grafana_duration(minimum), parse_grafana_duration(refresh)
        if floor is not None and (seconds is None or seconds < floor):
            holder[key] = minimum
        return
    seconds = parse_grafana_duration(refresh)
    if seconds is None:
        raise k8s_status.bad_request(
            f'parsing refresh duration "{refresh}" failed: time: invalid duration "{refresh}"'
        )
    floor = parse_grafana_duration(minimum)
    if floor is not None and seconds < floor:
        raise k8s_status.bad_request("Dashboard refresh interval is too low")


def validate_meta(kind: Kind, name: str, written: Written) -> None:
    k8s_objectmeta.validate(kind, name, written.generate_name, written.labels, written.annotations)


def check_name_matches(written: Written, url_name: str) -> None:
    if written.name != url_name:
        raise k8s_status.bad_request(
            f"the name of the object ({written.name}) does not match the name on the URL "
            f"({url_name})"
        )


def check_namespace_matches(written: Written, namespace: str) -> None:
    if written.namespace not in (None, "", namespace):
        raise k8s_status.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )


def as_api_error(error: ApiError) -> ApiError:
    return k8s_status.as_status(error)
