"""Output files staged while the build still compiles.

A cold build writes every output; writing them all after the last source has compiled
puts that work after the parallel part of the build, with the other cores idle. So each
output is written into the commit's staging folder (``dashgen.build.commit``) as soon as
its source has compiled, and the commit adopts the file instead of writing the same bytes
again. Nothing is visible before the commit point: the staging folder is hidden, a build
that fails or writes nothing removes it (``discard``), and one killed meanwhile leaves it
for the next good build to remove, as a killed commit does.

Worker processes write the outputs of the sources they compile into the staging folder
themselves (``folder()`` gives them its path; they say which file holds which output, in
``elsewhere``), so that the build's own process, which also hands out the jobs, does not
spend its time creating files while the workers wait for their next job.

Best effort: a write that fails here is made (and reported) by the commit itself.
"""

from __future__ import annotations

import os
import uuid

from dashgen.build.commit import STAGING_PREFIX, remove_empty, remove_tree
from dashgen.build.compiled import CompiledSource, Target


class StagedBytes(bytes):
    """The bytes of an output a worker wrote into the staging folder, as the name of that
    file there (no bytes: the commit moves the file into place, it never writes these)."""

    name: str

    def __new__(cls, name: str) -> StagedBytes:
        staged = super().__new__(cls)
        staged.name = name
        return staged


class EarlyStaging:
    """The staging folder of one build's commit, and the outputs already written there."""

    def __init__(self, output_dir: str) -> None:
        self.output_dir = output_dir
        self.path: str | None = None
        self.created_output = False  # the output folder did not exist before this build
        self._files: dict[str, tuple[str, bytes]] = {}  # relative path -> (staged name, bytes)
        self._failed = False
        # outputs a worker staged itself: relative path -> the file's name in the folder
        self.elsewhere: dict[str, str] = {}

    def folder(self) -> str | None:
        """The staging folder (made now if need be), for workers to write into; None when
        it cannot be made."""
        if self._failed:
            return None
        try:
            return self.path or self._open()
        except OSError:
            self._failed = True
            return None

    def write(self, relative: str, data: bytes) -> None:
        """Stage ``data`` as the future ``relative`` (``<org>/<uid>.json``)."""
        if self._failed:
            return
        name = self.elsewhere.pop(relative, None)
        if name is not None and self.path is not None:  # a worker wrote exactly these bytes
            self._files[relative] = (name, data)
            return
        try:
            staging = self.path or self._open()
            name = f"{len(self._files)}.early"  # never a name the commit stages itself
            with open(os.path.join(staging, name), "wb") as handle:
                handle.write(data)
        except OSError:
            self._failed = True  # full disk, read-only folder ...: the commit will say so
            return
        self._files[relative] = (name, data)

    def write_compiled(self, targets: list[Target], per_org: list[CompiledSource]) -> None:
        """Stage the outputs of one source compiled for ``targets`` (``per_org``: theirs).
        An output a worker staged comes without its bytes: its record's ``content`` becomes
        a ``StagedBytes`` naming the file that holds them."""
        for target, compiled in zip(targets, per_org, strict=True):
            for dashboard in compiled.dashboards:
                relative = f"{target.org.name}/{dashboard.uid}.json"
                if dashboard.content is not None:
                    self.write(relative, dashboard.content)
                elif relative in self.elsewhere:
                    dashboard.content = StagedBytes(self.elsewhere.pop(relative))

    def take(self, relative: str, data: bytes) -> str | None:
        """The staged name of ``relative`` if exactly ``data`` (the same object) is staged."""
        if isinstance(data, StagedBytes):
            return data.name
        found = self._files.get(relative)
        return found[0] if found is not None and found[1] is data else None

    def discard(self) -> None:
        """Remove the staging folder (and the output folder if this build created it and
        it is empty); nothing happens if the commit already removed them."""
        if self.path is None:
            return
        remove_tree(self.path)
        if self.created_output:
            remove_empty(self.output_dir)
        self.path = None
        self._files.clear()

    def _open(self) -> str:
        self.created_output = not os.path.isdir(self.output_dir)
        path = os.path.join(self.output_dir, f"{STAGING_PREFIX}{uuid.uuid4().hex}")
        try:
            os.makedirs(self.output_dir, exist_ok=True)
            os.mkdir(path)
        except OSError:
            if self.created_output:
                remove_empty(self.output_dir)
            raise
        self.path = path
        return path
