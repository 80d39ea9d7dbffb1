"""What a dashgen process imports: only what its command uses (start-up is most of a
no-op rebuild, an unchanged publish and every ``--help``). Checked in a real subprocess with
``-X importtime``; nothing here measures time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from dashgen.cli import COMMAND_MODULES, COMMAND_SUMMARIES, main
from dashgen.testing import EmulatorServer
from dashgen.tokens import env_var_name

# The compile chain: template engine, grafanalib, every loader, the compiler and its workers.
COMPILE_CHAIN = (
    "jinja2",
    "grafanalib",
    "dashgen.sources.jinja",
    "dashgen.sources.python",
    "dashgen.sources.viewjson",
    "dashgen.build.compile",
    "dashgen.build.workers",
    "dashgen.model.forms",
)
HTTP_STACK = ("httpx", "httpcore", "ssl")

PYTHON_SOURCE = """\
from grafanalib.core import Dashboard

dashboard = Dashboard(title="From Python", uid="from-python", schemaVersion=39)
"""
JINJA_SOURCE = """\
{"uid": "from-jinja", "title": {{ ("From " ~ org) | tojson }}, "schemaVersion": 39,
 "panels": [{"id": 1, "type": "stat", "title": "Up", "gridPos": {"h": 4, "w": 4, "x": 0, "y": 0},
   "datasource": {"type": "prometheus", "uid": "prom"}}]}
"""
JSON_SOURCE = {"uid": "from-json", "title": "From JSON", "schemaVersion": 39, "panels": []}


def _imported(args: list[str], env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The modules a ``dashgen`` run imported (and its stdout); fails if the run failed."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dashgen", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    lines = completed.stderr.splitlines()
    assert completed.returncode == 0, [line for line in lines if "import time:" not in line]
    modules = {line.split("|")[2].strip() for line in lines if line.startswith("import time:")} - {
        "package"
    }
    assert "click" in modules  # the parse below did read the import log
    return modules, completed.stdout


def _any_of(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(f"{n}.") for n in names))


def test_help_imports_no_command_module() -> None:
    modules, stdout = _imported(["--help"])

    assert "publish" in stdout and "Commands:" in stdout
    assert _any_of(modules, tuple(f"dashgen.cli.{m}" for m in set(COMMAND_MODULES.values()))) == []
    assert _any_of(modules, COMPILE_CHAIN + HTTP_STACK) == []
    assert _any_of(modules, ("dashgen.publish", "dashgen.build", "dashgen.grafana")) == []


def test_help_lists_each_commands_own_summary() -> None:
    ctx = click.Context(main)
    for name in COMMAND_MODULES:
        command = main.get_command(ctx, name)
        assert command is not None and command.help is not None
        first_paragraph = " ".join(command.help.split("\n\n")[0].split())
        assert COMMAND_SUMMARIES[name] == first_paragraph, name
    assert set(COMMAND_SUMMARIES) == set(COMMAND_MODULES)


@pytest.fixture
def built_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "dashboards").mkdir(parents=True)
    (root / "dashgen.toml").write_text('[orgs.apiorg]\nfolder = "Team"\nfolder_uid = "team"\n')
    (root / "dashboards" / "a.dashboard.py").write_text(PYTHON_SOURCE)
    (root / "dashboards" / "b.json.j2").write_text(JINJA_SOURCE)
    (root / "dashboards" / "c.json").write_text(json.dumps(JSON_SOURCE))
    modules, _ = _imported(["-C", str(root), "build"])
    assert {"jinja2", "dashgen.build.compile"} <= modules  # what the checks below look for
    return root


def test_noop_rebuild_imports_nothing_of_the_compile_chain(built_project: Path) -> None:
    modules, _ = _imported(["-C", str(built_project), "build"])

    assert "dashgen.build.run" in modules
    assert _any_of(modules, COMPILE_CHAIN + HTTP_STACK) == []


def test_publish_of_a_fresh_build_imports_nothing_of_the_compile_chain(
    built_project: Path, grafana_server: EmulatorServer, tmp_path: Path
) -> None:
    emulator = grafana_server.emulator
    org_id = emulator.create_org("apiorg")
    emulator.create_datasource(org_id, "Prometheus", "prometheus", uid="prom")
    token = emulator.create_service_account_token(org_id, "Editor")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env |= {
        "DASHGEN_TOKEN_STORE": str(tmp_path / "store" / "tokens.json"),
        env_var_name("apiorg"): token,
    }
    args = ["-C", str(built_project), "publish", "--org", "apiorg", "--output", "json"]
    args += ["--grafana-url", grafana_server.url]

    modules, stdout = _imported(args, env)

    actions = sorted(json.loads(line).get("action", "") for line in stdout.splitlines())
    assert actions.count("created") == 3, stdout
    assert "httpx" in modules
    assert _any_of(modules, COMPILE_CHAIN) == []
    # no pruning without --prune; requests go over dashgen's own transport (h11 on one
    # thread) when no proxy applies, never through httpx's httpcore
    assert _any_of(modules, ("dashgen.publish.prune", "dashgen.publish.deletes")) == []
    assert _any_of(modules, ("httpcore",)) == []
    assert "dashgen.grafana.exchanger" in modules
    # nor what httpx's own command-line client imports (Pygments, when it is installed)
    assert _any_of(modules, ("pygments", "rich")) == []


THRESHOLD_AT_EXIT = """\
import atexit, gc, sys
before = gc.get_threshold()[0]
atexit.register(lambda: print(before, gc.get_threshold()[0]))
sys.argv = ["dashgen", "--help"]
{call}
"""


@pytest.mark.parametrize(
    ("call", "changed"),
    [
        ("from dashgen.entry import run; run()", True),  # the script and python -m dashgen
        ("from dashgen.cli import main; main()", False),
    ],
    ids=["process-entry", "library-caller"],
)
def test_only_the_process_entry_changes_the_collector(call: str, changed: bool) -> None:
    """``dashgen.entry`` raises the first generation's threshold for its own process; a
    program that imports and calls the CLI keeps its collector as it was."""
    from dashgen.entry import YOUNG_GENERATION_THRESHOLD

    done = subprocess.run(
        [sys.executable, "-c", THRESHOLD_AT_EXIT.format(call=call)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    before, at_exit = (int(word) for word in done.stdout.splitlines()[-1].split())
    assert at_exit == (YOUNG_GENERATION_THRESHOLD if changed else before)
    assert before != YOUNG_GENERATION_THRESHOLD
