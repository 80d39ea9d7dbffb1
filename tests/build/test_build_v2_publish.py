"""A build with schema v2 dashboards does not break the commands after it: `dashgen diff`
and `publish` against the emulator (classic 12.x and /apis 13.x) end without a traceback,
and the datasource reference check reads a v2 spec without failing.

(Publishing v2 correctly is issue 16's publish work; this only pins "no crash".)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from build_support import Project, assert_no_traceback
from test_build_v2_sources import resource, v2_spec

from dashgen.model.datasource_refs import references
from dashgen.testing import EmulatorServer

ORG = "apiorg"


def test_datasource_references_of_a_v2_spec_do_not_fail() -> None:
    spec = v2_spec()
    assert list(references(spec)) is not None
    assert list(references(resource(spec))) is not None


@pytest.mark.parametrize("version", ["12.0", "13.0"])
def test_diff_and_publish_of_a_v2_build_end_cleanly(
    project: Project, tmp_path: Path, make_grafana_server, version: str
) -> None:
    server: EmulatorServer = make_grafana_server(version=version)
    emulator = server.emulator
    org_id = emulator.create_org(ORG)
    token = emulator.create_service_account_token(org_id, "Editor", name="publisher")
    project.write("dashgen.toml", f"[orgs.{ORG}]\n")
    project.write("dashboards/v2.json", resource(v2_spec()))
    project.write("dashboards/bare.json", v2_spec("Bare"))
    project.write("dashboards/v1.json", {"uid": "v1", "title": "V1", "panels": []})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env |= {
        "DASHGEN_TOKEN_STORE": str(tmp_path / "store" / "tokens.json"),
        "DASHGEN_TOKEN_APIORG": token,
        "GRAFANA_URL": server.url,
    }
    for command in (["build"], ["diff", "--org", ORG], ["publish", "--org", ORG]):
        completed = subprocess.run(
            [sys.executable, "-m", "dashgen", "-C", str(project.root), *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.returncode in (0, 1), (command, completed.stdout, completed.stderr)
        assert_no_traceback(completed.stdout, completed.stderr)
        assert token not in completed.stdout + completed.stderr
