"""What a compile produces, as plain data: the build's records and the workers' replies.

Apart from ``dashgen.build.compile`` so that a build with nothing to compile (a no-op
rebuild, the staleness check of ``dashgen publish``) never imports the compile chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashgen.config import OrgConfig
from dashgen.model.problem import Problem
from dashgen.model.v2 import SCHEMA_V1
from dashgen.sources.kinds import Source


@dataclass(frozen=True)
class Target:
    """An org a build produces dashboards for, with its merged template variables."""

    org: OrgConfig
    variables: dict[str, Any]


@dataclass
class CompiledDashboard:
    uid: str
    title: str
    content_hash: str  # normalize.content_hash of the dashboard
    file_hash: str  # sha256 of the output file's bytes
    line: int | None  # where the dashboard is defined in its source
    schema: str = SCHEMA_V1  # SCHEMA_V1, or the v2 apiVersion's version ("v2", "v2beta1", ...)
    folder_uid: str | None = None  # a resource's grafana.app/folder (the config's folder wins)
    content: bytes | None = None  # the output file's bytes; dropped once written


@dataclass
class CompiledSource:
    """One source compiled for one org."""

    source_hash: str
    dependencies: dict[str, str]  # absolute path → sha256 of the bytes it had ("" = missing)
    dashboards: list[CompiledDashboard]
    problems: list[Problem]


Job = tuple[Source, list[Target]]
