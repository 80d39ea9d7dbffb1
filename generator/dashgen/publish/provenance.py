"""The version message dashgen writes, and reading it back as evidence of who wrote what.

Every save carries ``dashgen <hash> [git <sha>] [project <name>]`` where ``<hash>`` is the
first characters of ``normalize.content_hash`` of what was sent and ``<name>`` the config's
``project``. Grafana keeps the message in the dashboard's version history, so a fresh CI
checkout can tell whether the live dashboard is still exactly what dashgen wrote (see
``dashgen.publish``), and prune can tell which dashgen project wrote it
(``dashgen.publish.ownership``).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

HASH_CHARS = 16
_MESSAGE = re.compile(r"^dashgen ([0-9a-f]{8,64})\b")
_PROJECT = re.compile(r"\sproject (\S+)")


class FromProject:
    """``OrgSession``'s ``git_sha`` default: ask git about the project (once per session)."""


class SharedSha(FromProject):
    """The sessions of one publish share it: git is asked once, by the first write that
    names the commit (an unchanged publish never runs git)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._asked = False
        self._sha: str | None = None

    def value(self) -> str | None:
        with self._lock:
            if not self._asked:
                self._sha = git_short_sha(self.root)
                self._asked = True
            return self._sha


FROM_PROJECT = FromProject()


def version_message(
    content_hash: str, git_sha: str | None = None, project: str | None = None
) -> str:
    message = f"dashgen {content_hash[:HASH_CHARS]}"
    if git_sha:
        message += f" git {git_sha}"
    if project:
        message += f" project {project}"
    return message


def project_in_message(message: str) -> str | None:
    """The project a dashgen message names (None: not dashgen's, or no project named)."""
    if hash_in_message(message) is None:
        return None
    match = _PROJECT.search(message)
    return match.group(1) if match else None


def hash_in_message(message: str) -> str | None:
    match = _MESSAGE.match(message or "")
    return match.group(1) if match else None


def wrote(message: str, content_hash: str) -> bool:
    """True when ``message`` is dashgen's and names ``content_hash``."""
    short = hash_in_message(message)
    return short is not None and content_hash.startswith(short)


def git_short_sha(root: Path) -> str | None:
    """``git rev-parse --short HEAD`` of the project, or None outside a repo / without git."""
    import subprocess  # here: only a publish that writes asks git (~1 ms of every start-up)

    try:
        completed = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = completed.stdout.strip()
    return sha if completed.returncode == 0 and re.fullmatch(r"[0-9a-f]{4,40}", sha) else None
