"""The apiserver's common ``metadata`` validation of a written object (422 ``Invalid``).

``rest.BeforeCreate`` (and ``BeforeUpdate`` through ``validateCommonFields``) runs
``genericvalidation.ValidateObjectMetaAccessor`` after mutating admission and before
Grafana's validating admission, so these 422s come before the §4.6 400s (k8s
``staging/src/k8s.io/apiserver/pkg/registry/rest/create.go`` and
``apimachinery/pkg/api/validation/objectmeta.go`` @008b3652; Grafana's generic strategy adds
no checks of its own, ``pkg/apiserver/registry/generic/strategy.go`` @0031772):

- ``generateName`` must be a path-segment prefix and ``name`` a path-segment name: not ``.``
  or ``..``, no ``/`` or ``%`` (``content/path.go``);
- every label key and annotation key is a qualified name (annotation keys compared in lower
  case), every label value a label value (``content/kube.go``);
- keys plus values of all annotations are at most 256 KiB.

Messages are those of the ``content`` package at the commit read (``must be no more than 63
bytes``; older apimachinery said ``characters`` and ``a qualified name``: UNCONFIRMED which
one a given Grafana links). Causes come in Go's order for the fields; labels and annotations
are checked in key order (Go ranges over maps in random order).
"""

from __future__ import annotations

import re

from dashgen.testing import gojson, k8s_status
from dashgen.testing.k8s_status import Kind

_NAME_PART = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_NAME_PART_RE = re.compile(f"^{_NAME_PART}$")
_LABEL_VALUE = f"({_NAME_PART})?"
_LABEL_VALUE_RE = re.compile(f"^{_LABEL_VALUE}$")
_DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = _DNS_LABEL + "(\\." + _DNS_LABEL + ")*"
_SUBDOMAIN_RE = re.compile(f"^{_SUBDOMAIN}$")
_KEY_TEXT = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character"
)
NAME_PART_MAX = 63
SUBDOMAIN_MAX = 253
ANNOTATIONS_MAX = 256 * 1024  # TotalAnnotationSizeLimitB


def _regex_error(text: str, regex: str, *examples: str) -> str:
    """``content.RegexError``, including its doubled space before each ``or``."""
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{text} (e.g. {shown}regex used for validation is '{regex}')"


def _max_len(length: int) -> str:
    return f"must be no more than {length} bytes"


def _subdomain(value: str) -> list[str]:
    errors = []
    if len(value.encode()) > SUBDOMAIN_MAX:
        errors.append(_max_len(SUBDOMAIN_MAX))
    if not _SUBDOMAIN_RE.match(value):
        errors.append(
            _regex_error(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                "characters, '-' or '.', and must start and end with an alphanumeric character",
                _SUBDOMAIN,
                "example.com",
            )
        )
    return errors


def label_key_errors(value: str) -> list[str]:
    """``content.IsLabelKey`` (``IsQualifiedName``)."""
    parts = value.split("/")
    errors: list[str] = []
    if len(parts) > 2:
        return [
            "a valid label key "
            + _regex_error(_KEY_TEXT, _NAME_PART, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors += [f"prefix part {error}" for error in _subdomain(prefix)]
    if not name:
        errors.append("name part must be non-empty")
    elif len(name.encode()) > NAME_PART_MAX:
        errors.append("name part " + _max_len(NAME_PART_MAX))
    if not _NAME_PART_RE.match(name):
        errors.append(
            "name part " + _regex_error(_KEY_TEXT, _NAME_PART, "MyName", "my.name", "123-abc")
        )
    return errors


def label_value_errors(value: str) -> list[str]:
    """``content.IsLabelValue``."""
    errors = []
    if len(value.encode()) > NAME_PART_MAX:
        errors.append(_max_len(NAME_PART_MAX))
    if not _LABEL_VALUE_RE.match(value):
        errors.append(
            _regex_error(
                "a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character",
                _LABEL_VALUE,
                "MyValue",
                "my_value",
                "12345",
            )
        )
    return errors


def path_segment_errors(name: str, *, prefix: bool) -> list[str]:
    """``content.IsPathSegmentName`` (or ``…Prefix`` for ``generateName``)."""
    if not prefix and name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in name]


def _shown(value: str) -> str:
    return gojson.dumps(value).decode()


def validate(
    kind: Kind,
    name: str,
    generate_name: str,
    labels: dict[str, str],
    annotations: dict[str, str],
) -> None:
    """422 ``<Kind>.<group> "<name>" is invalid: …`` when the metadata breaks a rule above."""
    causes: list[tuple[str, str, str]] = []

    def invalid(field: str, value: str, errors: list[str]) -> None:
        causes.extend((field, "Invalid value", f"{_shown(value)}: {error}") for error in errors)

    if generate_name:
        invalid(
            "metadata.generateName", generate_name, path_segment_errors(generate_name, prefix=True)
        )
    if name:
        invalid("metadata.name", name, path_segment_errors(name, prefix=False))
    for key in sorted(labels):
        invalid("metadata.labels", key, label_key_errors(key))
        invalid("metadata.labels", labels[key], label_value_errors(labels[key]))
    for key in sorted(annotations):
        invalid("metadata.annotations", key, label_key_errors(key.lower()))
    size = sum(len(key.encode()) + len(value.encode()) for key, value in annotations.items())
    if size > ANNOTATIONS_MAX:
        causes.append(
            ("metadata.annotations", "Too long", f"may not be more than {ANNOTATIONS_MAX} bytes")
        )
    if causes:
        raise k8s_status.invalid(kind, name, causes)
