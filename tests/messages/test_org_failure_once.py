"""When a whole org fails (a rejected token, Grafana unreachable, before or during the
batch), publish, diff and watch --publish say it once for the org, never "drifted"; the
other orgs still publish, and --output json keeps one record per dashboard."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from messages_support import ORG, OTHER_ORG, Cli, Grafana, fake_token

from dashgen.tokens import env_var_name

REVOKED = fake_token("RevokedTokenRevokedToken0123456789", "deadbeef")


def test_rejected_token_of_one_org_is_said_once(cli: Cli, grafana: Grafana) -> None:
    env = grafana.token_env() | {env_var_name(OTHER_ORG): REVOKED}
    both = ("--org", ORG, "--org", OTHER_ORG, "--grafana-url", grafana.url)

    text = cli("publish", *both, env=env)
    as_json = cli("publish", *both, "--output", "json", env=env)
    planned = cli("diff", *both, env=env)

    assert text.code == 1 and "3 created, 3 not sent (org otherorg failed)" in text.stdout
    assert text.output.count("rejected the token") == 1, text.output
    assert f"org {OTHER_ORG}: " in text.stderr and "3 dashboards not sent" in text.stderr
    assert "Error: nothing was published to org otherorg" in text.stderr
    for run in (text, as_json, planned):
        assert "drifted" not in run.output, run.output
        assert REVOKED not in run.output
    records = [r for r in as_json.json_lines() if "uid" in r]
    assert len(records) == 6
    failed = [r for r in records if r["org"] == OTHER_ORG]
    assert {r["action"] for r in failed} == {"failed"} and all(r["org_failed"] for r in failed)
    assert all(not r["org_failed"] for r in records if r["org"] == ORG)
    assert as_json.json_lines()[-1]["org_errors"].keys() == {OTHER_ORG}
    assert planned.code == 1 and planned.output.count("rejected the token") == 1
    assert "3 not compared (org otherorg failed)" in planned.stdout


def test_token_revoked_during_the_batch_is_said_once(cli: Cli, grafana: Grafana) -> None:
    emulator = grafana.emulator
    # /api/org answers (the org check passes); every dashboard read is then refused
    emulator.faults.add(method="GET", path="/api/dashboards/uid/*", status=401, times=None)
    run = cli("publish", "--org", ORG, "--grafana-url", grafana.url, env=grafana.token_env())

    assert run.code == 1, run.output
    assert run.output.count("Grafana answered 401") + run.output.count("rejected") == 1
    assert "nothing was published to org apiorg" in run.stderr
    assert "drifted" not in run.output


def test_grafana_gone_during_the_batch_is_said_once(cli: Cli, grafana: Grafana) -> None:
    grafana.emulator.faults.add(method="GET", path="/api/dashboards/uid/*", kind="drop", times=None)
    run = cli("diff", "--org", ORG, "--grafana-url", grafana.url, env=grafana.token_env())

    assert run.code == 1, run.output
    assert run.output.count("could not reach Grafana") == 1, run.output
    assert "drifted" not in run.output and "3 not compared (org apiorg failed)" in run.stdout


def test_watch_publish_says_the_org_failure_once(cli: Cli, grafana: Grafana) -> None:
    """The real `dashgen watch --publish` in its own process, stopped with Ctrl-C."""
    env = {**os.environ, env_var_name(ORG): REVOKED}
    watch = ("watch", "--publish", "--org", ORG, "--grafana-url", grafana.url)
    process = subprocess.Popen(
        [sys.executable, "-m", "dashgen", "-C", str(cli.root), *watch],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr_lines: list[str] = []
    failed = threading.Event()

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            stderr_lines.append(line)
            if "not sent:" in line:
                failed.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert failed.wait(timeout=60), "".join(stderr_lines)
        time.sleep(0.05)  # let the rest of the status arrive
    finally:
        process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=60)
        reader.join(timeout=10)
    output = stdout + "".join(stderr_lines)
    assert process.returncode == 0, output
    assert output.count("rejected the token") == 1, output
    assert "not sent: alpha, beta, gamma" in output
    assert "Traceback" not in output and REVOKED not in output and "drifted" not in output
