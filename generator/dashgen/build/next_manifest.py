"""The manifest a build leaves (``build/manifest.json``): the previous one with the entries of
what the build replaced swapped for what it compiled, or rebuilt from every current output
when the last state is unknown; a full build lists exactly the outputs it keeps."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from dashgen.build.manifest import MANIFEST_NAME, BuiltDashboard, manifest_bytes
from dashgen.build.outputs import read_bytes

if TYPE_CHECKING:
    from dashgen.build.cache import Key
    from dashgen.build.compiled import CompiledDashboard, CompiledSource
    from dashgen.build.run import Run


def _orphan(run: Run, key: tuple[str, str], org: str, built: set[tuple[str, str]] | None) -> bool:
    """Whether a manifest entry lists an output this build removes (or never had)."""
    if org not in run.target_orgs:
        return run.builder.requested_orgs is None  # an org no longer built
    return built is not None and key not in built


def new_manifest(
    run: Run,
    replaced: set[Key],
    compiled: dict[Key, CompiledSource],
    dashboards: dict[Key, list[CompiledDashboard]],
    *,
    full: bool,
) -> dict[tuple[str, str], BuiltDashboard] | None:
    """The manifest after this build (None: the file holds it). A ``full`` build keeps
    only the files of ``dashboards`` in the target orgs' folders: it lists just those."""
    builder = run.builder
    manifest_file = os.path.join(run.out, MANIFEST_NAME)
    if not run.cache_trusted or not os.path.isfile(manifest_file):
        # Rebuilt from every current output when the last state is unknown.
        manifest = {
            k: d
            for k, d in builder.manifest.items()
            if builder.requested_orgs is not None and d.org not in run.target_orgs
        }
        for key, built in dashboards.items():
            for dashboard in built:
                manifest[(key[0], dashboard.uid)] = run.entries.of(key, dashboard)
        changed = manifest != builder.manifest
    else:
        manifest = dict(builder.manifest)
        for key in replaced:
            record = run.cache.records.get(key)
            for dashboard in record.dashboards if record else ():
                manifest.pop((key[0], dashboard.uid), None)
        for key, outcome in compiled.items():
            for dashboard in outcome.dashboards:
                manifest[(key[0], dashboard.uid)] = run.entries.of(key, dashboard)
        changed = bool(replaced)
        # Entries no record accounts for (kept by an --org build after the cache reset)
        built = {(key[0], d.uid) for key, ds in dashboards.items() for d in ds} if full else None
        orphans = [key for key, d in manifest.items() if _orphan(run, key, d.org, built)]
        for key in orphans:
            del manifest[key]
        changed = changed or bool(orphans)
    if not changed and os.path.isfile(manifest_file):
        return None
    data = manifest_bytes(manifest.values())
    if read_bytes(manifest_file) == data:
        builder.manifest = manifest
        return None
    return manifest
