"""Per-org tokens: env overrides first, then the token store (0600 file).

(The token store itself is being written; env resolution is final.)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from dashgen.secrets import Secret


@dataclass(frozen=True)
class ResolvedToken:
    secret: Secret
    origin: str


def env_var_name(org: str) -> str:
    return "DASHGEN_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", org.upper())


def resolve_token(org: str, grafana_url: str) -> ResolvedToken | None:
    name = env_var_name(org)
    value = os.environ.get(name)
    if value:
        return ResolvedToken(Secret(value.strip()), f"env {name}")
    return None
