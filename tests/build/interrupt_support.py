"""Real `dashgen build` processes that are killed, paused or refused by the disk.

The commit's test seam (``DASHGEN_TEST_FAULT``, see ``dashgen.build.outputs``) pauses a
build at a chosen step of its commit, so a test can kill it exactly there, or makes one
step fail as a full disk or a read-only file system would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench_synth import synth  # noqa: F401  (re-exported for the tests)

PAUSED = "dashgen-test: paused at "
HIDDEN_OF_OURS = (".staging-", ".dashgen-commit.json")


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env.update(extra)
    return env


def build_command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "dashgen", "-C", str(root), "build", *args]


def run_build(root: Path, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    env = environment(**({"DASHGEN_TEST_FAULT": fault} if fault else {}))
    return subprocess.run(
        build_command(root, *args), env=env, capture_output=True, text=True, timeout=120
    )


def start_build(root: Path, fault: str | None = None) -> subprocess.Popen[str]:
    env = environment(**({"DASHGEN_TEST_FAULT": fault} if fault else {}))
    return subprocess.Popen(
        build_command(root),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the pool workers go with it
    )


def wait_until_paused(process: subprocess.Popen[str], timeout_s: float = 60) -> str:
    """Read stderr until the build says where it paused; that line."""
    assert process.stderr is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if line.startswith(PAUSED):
            return line.strip()
        if not line and process.poll() is not None:
            out = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"the build ended ({process.returncode}) before pausing: {out}")
    raise AssertionError("the build did not pause in time")


def kill_group(process: subprocess.Popen[str], sig: int = signal.SIGKILL) -> int:
    """Send ``sig`` to the build's process group (the build and its pool workers)."""
    os.killpg(process.pid, sig)
    try:
        return process.wait(timeout=60)
    finally:
        if sig != signal.SIGKILL:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path → bytes), dot-files and the cache included,
    except the build's own bookkeeping (whose bytes hold timestamps)."""
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            relative = path.relative_to(folder).as_posix()
            if relative.startswith(".cache/") or relative == ".dashgen-cache.json":
                continue
            found[relative] = path.read_bytes()
    return found


def visible(folder: Path) -> dict[str, bytes]:
    """The build as publish and users read it: outputs and manifest (no dot-files)."""
    return {
        k: v for k, v in tree(folder).items() if not any(p.startswith(".") for p in k.split("/"))
    }


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(HIDDEN_OF_OURS))


def link_copy(source: Path, target: Path) -> None:
    """A copy of a build folder made of hard links (a build never writes a file in place)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, copy_function=os.link)


def copy_sources(source_root: Path, target_root: Path) -> None:
    """The project's sources and config, as hard links (edit them with ``replace_text``)."""
    for name in ("dashboards", "templates"):
        if (target_root / name).exists():
            shutil.rmtree(target_root / name)
        shutil.copytree(source_root / name, target_root / name, copy_function=os.link)
    config = target_root / "dashgen.toml"
    config.unlink(missing_ok=True)
    os.link(source_root / "dashgen.toml", config)


def replace_text(path: Path, text: str) -> None:
    """Write a new file over ``path`` (never in place: other links keep the old bytes)."""
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(text)
    os.replace(temporary, path)
