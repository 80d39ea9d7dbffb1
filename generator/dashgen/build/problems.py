"""Problems found across sources or with the output folder (data only: no I/O but stat)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from dashgen.build.cache import Key
from dashgen.build.commit import CommitError
from dashgen.build.compiled import CompiledDashboard, Target
from dashgen.config import Config
from dashgen.config_file import key_lines
from dashgen.model.validate import ERROR, WARNING, Problem
from dashgen.sources.discovery import selector


def unwritable_output(config: Config) -> Problem | None:
    """A problem when the output folder cannot be one (a file is in its way)."""
    output = config.output_dir
    blocker = next((p for p in (output, *output.parents) if os.path.lexists(p)), None)
    if blocker is None or blocker.is_dir():
        return None
    shown = _shown(config, blocker)
    return Problem(
        ERROR,
        f"the output folder {_shown(config, output)} cannot be used: {shown} is a file, "
        "not a folder; move it away or set [paths] output in the config (nothing was written)",
        Path(shown),
    )


_ADVICE = {
    errno.ENOSPC: "free some space, then build again",
    errno.EDQUOT: "free some space (a disk quota is full), then build again",
    errno.EACCES: "give dashgen write permission there, or set [paths] output to another folder",
    errno.EPERM: "give dashgen write permission there, or set [paths] output to another folder",
    errno.EROFS: "it is on a read-only file system: set [paths] output to a writable folder",
}


def commit_problem(config: Config, error: CommitError) -> Problem:
    """The one sentence for a commit the file system refused (the folder is as it was)."""
    output = _shown(config, config.output_dir)
    verb = "replacing" if error.swapped else "writing"
    where = _shown(config, Path(error.path))
    if where.startswith(f"{output}/"):
        where = where[len(output) + 1 :]
    elif where == output:
        where = f"{output}/"
    reason = error.error.strerror or str(error.error)
    advice = _ADVICE.get(error.error.errno or 0, "fix that, then build again")
    return Problem(
        ERROR,
        f"cannot write the new build ({reason} while {verb} {where}); {output}/ was left as "
        f"it was: {advice}",
        Path(output),
    )


def _shown(config: Config, path: Path) -> str:
    try:
        return Path(path).relative_to(config.root).as_posix()
    except ValueError:
        return str(path)


def duplicate_uids(
    dashboards: dict[Key, list[CompiledDashboard]], output_dir: Path | None = None
) -> list[Problem]:
    """The same uid from two sources (or twice from one) in the same org, naming both.

    Uids apart only in case are two dashboards for Grafana on SQLite or PostgreSQL (a pull
    brings both) and one for Grafana on MySQL: a warning, and an error only where they
    would be one output file (``output_dir`` on a file system that ignores case)."""
    case_only = ERROR if output_dir is not None and ignores_case(output_dir) else WARNING
    first: dict[tuple[str, str], str] = {}
    folded: dict[tuple[str, str], tuple[str, str]] = {}  # (org, uid.lower()) → (uid, rel)
    problems: list[Problem] = []
    for (org, rel), built in sorted(dashboards.items(), key=lambda item: (item[0][1], item[0][0])):
        seen_here: set[str] = set()
        for dashboard in built:
            if not dashboard.uid:
                continue
            other = first.setdefault((org, dashboard.uid), rel)
            if other != rel or dashboard.uid in seen_here:
                also = f"{other} and {rel}" if other != rel else f"{rel} (twice)"
                message = f"uid {dashboard.uid!r} is produced by both {also}"
                problems.append(Problem(ERROR, message, Path(rel), dashboard.line))
            seen_here.add(dashboard.uid)
            uid, where = folded.setdefault((org, dashboard.uid.lower()), (dashboard.uid, rel))
            if uid != dashboard.uid:
                message = _case_only(uid, where, dashboard.uid, rel)
                problems.append(Problem(case_only, message, Path(rel), dashboard.line))
    return problems


def ignores_case(folder: Path) -> bool:
    """Whether ``folder`` (or the nearest existing folder above it) is on a file system that
    takes names apart only in case for one (macOS's and Windows' defaults)."""
    existing = next((p for p in (folder, *folder.parents) if p.is_dir()), None)
    if existing is None:
        return False
    name = existing.name
    swapped = name.swapcase()
    if not name or swapped == name:  # no letters to tell by: ask its parent
        return existing != existing.parent and ignores_case(existing.parent)
    try:
        return os.path.samefile(existing, existing.with_name(swapped))
    except OSError:  # no such name: the file system tells case apart
        return False


def _case_only(uid: str, where: str, other: str, rel: str) -> str:
    """Uids apart only in case: one dashboard for Grafana on MySQL (its uid column compares
    without case, grafana/grafana#56471) and one output file on macOS or Windows."""
    return (
        f"uid {other!r} differs only in case from uid {uid!r} of {where}: Grafana on MySQL "
        "and the case-insensitive file systems of macOS and Windows (build/<org>/<uid>.json) "
        "take them for one dashboard; give one of them another uid if you use either"
    )


def unmatched_patterns(config: Config, targets: list[Target], names: list[str]) -> list[Problem]:
    """A warning for each ``[orgs.X] sources`` pattern that selects none of the files found
    (``names``: relative to the sources dir): a typo there must not pass for an org with
    fewer dashboards (``publish --prune`` would then delete the others from Grafana)."""
    problems: list[Problem] = []
    for target in targets:
        for pattern in target.org.sources:
            if not any(map(selector([pattern]), names)):
                key = ("orgs", target.org.name, "sources")
                where = config.config_file
                sources = _shown(config, config.sources_dir)
                problems.append(
                    Problem(
                        WARNING,
                        f"{'.'.join(key)}: pattern {pattern!r} matches no source under "
                        f"{sources}/, so org {target.org.name} gets no dashboard from it (paths "
                        'are relative to the sources folder: "team-a/*.json", "**/node_*")',
                        Path(_shown(config, where)) if where else None,
                        _line(config, key),
                    )
                )
    return problems


def _line(config: Config, key: tuple[str, ...]) -> int | None:
    if config.config_file is None:
        return None
    try:
        lines = key_lines(config.config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return lines.get(key) or lines.get(("tool", "dashgen", *key))
