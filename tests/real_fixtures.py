"""The third-party dashboards of tests/fixtures/real, as fetched (SOURCES.tsv names each
one's repository, path, commit and license), for the tests of every area (imported by
name: keep it unique)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson

from dashgen.model.forms import Form, unwrap

REAL_DIR = Path(__file__).resolve().parent / "fixtures" / "real"
# Fixtures that are no dashgen source, with a phrase of the sentence the build and the
# import refuse each with (naming the file and its line, exit 1, no traceback).
NOT_SOURCES = {
    # a jsonnet-bundler manifest, as it sits beside a mixin's dashboards
    "loki__jsonnetfile-NOT-DASHBOARD.json": "is not a Grafana dashboard model",
}


def sources() -> list[dict[str, str]]:
    with (REAL_DIR / "SOURCES.tsv").open() as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def names() -> list[str]:
    return [row["file"] for row in sources()]


def dashboards() -> list[str]:
    """The fixtures that are dashboard sources."""
    return [name for name in names() if name not in NOT_SOURCES]


def body_of(name: str) -> tuple[Form, dict[str, Any]]:
    return unwrap(orjson.loads((REAL_DIR / name).read_bytes()))


def is_v2(name: str) -> bool:
    document = orjson.loads((REAL_DIR / name).read_bytes())
    return isinstance(document, dict) and "/v2" in str(document.get("apiVersion", ""))


def schema_version(name: str) -> int | None:
    form, body = body_of(name)
    version = body.get("schemaVersion") if form is not Form.K8S_RESOURCE else None
    return version if isinstance(version, int) else None
