"""dashgen's generation stamp on its /apis writes (``dashgen/generation``,
``k8s_shapes.GENERATION_ANNOTATION``): the ``metadata.generation`` the write was to get.

The number comes from the server itself: the dry run (``?dryRun=All``) that precedes every
planned write answers the object as the write would store it, generation included (a
create is generation 1, §3.1). A stamp is sent only when that dry run was of the same base
version; otherwise none is sent and the live object reads as not stamped (the full
comparison decides, as without stamps).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from dashgen.grafana.k8s_shapes import BUILD_HASH_ANNOTATION, GENERATION_ANNOTATION, generation


class GenerationStamps:
    """Per uid, the generation the last dry run said a write over ``base_version`` gets."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._dry_runs: dict[str, tuple[int | None, int]] = {}

    def noted(self, uid: str, base_version: int | None, answer: Mapping[str, Any]) -> None:
        with self._guard:
            self._dry_runs[uid] = (base_version, generation(answer))

    def annotations(
        self, uid: str, base_version: int | None, build_hash: str, stored: bool
    ) -> dict[str, str]:
        """dashgen's annotations on a write of ``uid`` over ``base_version``: the content
        hash of the build it sends and, on a ``stored`` write (not a dry run), the
        generation stamp when one is known."""
        notes = {BUILD_HASH_ANNOTATION: build_hash}
        stamp = self.of(uid, base_version) if stored else None
        if stamp is not None:
            notes[GENERATION_ANNOTATION] = stamp
        return notes

    def of(self, uid: str, base_version: int | None) -> str | None:
        """The stamp for a write of ``uid`` over ``base_version`` (None: create), or None."""
        with self._guard:
            planned = self._dry_runs.get(uid)
        if planned is not None and planned[0] == base_version and planned[1] > 0:
            return str(planned[1])
        return "1" if base_version is None else None  # §3.1: a create is generation 1
