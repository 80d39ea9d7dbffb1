"""No token in the output of the datasource check and of prune either: a server that answers
the org check, then echoes the request (its Authorization header included) in every refusal,
makes the datasource read a warning and the prune's search a refusal; both sentences are
printed, and neither holds the token or a piece of it."""

from __future__ import annotations

import json
from pathlib import Path

from messages_support import (
    CANARY_TOKEN,
    ORG,
    Cli,
    FakeServer,
    Home,
    SeenRequest,
    as_json,
    echo_headers,
    leaked,
    write_project,
)

from dashgen.tokens import env_var_name

CONFIG = f'project = "alpha"\n\n[orgs.{ORG}]\n'


def _answer(seen: SeenRequest) -> tuple[int, dict[str, str], bytes]:
    path = seen.path.split("?")[0]
    if path == "/api/org":
        return as_json({"id": 2, "name": ORG})
    if path == "/api/frontend/settings":
        return as_json({"buildInfo": {"version": "12.0.0"}, "minRefreshInterval": "5s"})
    if path.startswith("/api/dashboards/uid/"):
        return as_json({"message": "Dashboard not found"}, 404)
    return as_json({"message": f"access denied: {echo_headers(seen)}"}, 403)


def test_datasource_and_prune_sentences_never_hold_the_token(
    tmp_path: Path, home: Home, fresh_secrets: None
) -> None:
    root = write_project(tmp_path / "project", CONFIG)
    document = {
        "uid": "svc",
        "title": "Service",
        "schemaVersion": 39,
        "panels": [
            {
                "id": 1,
                "type": "stat",
                "title": "Up",
                "gridPos": {"h": 4, "w": 4, "x": 0, "y": 0},
                "datasource": {"type": "prometheus", "uid": "P1"},
            }
        ],
    }
    (root / "dashboards" / "svc.json").write_text(json.dumps(document))
    cli = Cli(root)
    env = {env_var_name(ORG): CANARY_TOKEN}

    with FakeServer(_answer) as server:
        diff = cli("-v", "diff", "--org", ORG, "--prune", "--grafana-url", server.url, env=env)
        as_json_run = cli(
            "diff",
            "--org",
            ORG,
            "--prune",
            "--output",
            "json",
            "--grafana-url",
            server.url,
            env=env,
        )
        publish = cli(
            "-v", "publish", "--org", ORG, "--prune", "--grafana-url", server.url, env=env
        )

    echoed = [r for r in server.requests if CANARY_TOKEN in str(r.headers)]
    assert any(r.path == "/api/datasources" for r in echoed)
    assert any(r.path.startswith("/api/search") for r in echoed)
    assert "the datasources of its dashboards were not checked" in diff.stderr, diff.output
    assert "org apiorg: not pruned:" in diff.stderr and "nothing was pruned" in diff.stderr
    statuses = {record.get("status") for record in as_json_run.json_lines()}
    assert {"warning", "not-pruned"} <= statuses
    assert publish.code == 1
    for run in (diff, as_json_run, publish):
        assert "Traceback" not in run.output
        assert leaked(CANARY_TOKEN, [run.output]) == [], run.output
