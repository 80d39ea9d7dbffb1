"""dashgen's generation stamp on its /apis writes (``dashgen/generation``,
``k8s_shapes.GENERATION_ANNOTATION``): the ``metadata.generation`` the write is to get.

§3.1: generation is 1 on create; an update gets the previous one + 1 only when the spec
(semantically deep-equal, after the server's mutation drops ``spec.id``/``uid``/``version``)
or the folder annotation changed, else it keeps it. So the stamp is worked out with no
request: 1 for a create; for an update, the live generation, + 1 when the spec sent or the
folder differs from the live object's (``expected``). When a server dry run of the same
write was made (``publish --dry-run``, a diff), its answer is used instead (``noted``).

A wrong guess is safe: the live object then reads as not stamped and the next run takes
the full comparison, as without stamps (the server may migrate the spec it stores, §4.6,
so a spec sent that differs from the live one textually may still be kept: the answer
says, and ``K8sDashboards.save`` then puts the right stamp in one more write of the same
spec, which keeps the generation).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from dashgen.grafana.k8s_shapes import BUILD_HASH_ANNOTATION, GENERATION_ANNOTATION, generation
from dashgen.model.normalize import content_hash, hash_canonical, hash_canonical_bytes

SERVER_DROPS = ("id", "uid", "version")  # from a v0/v1 spec on write (§3.3)


def expected(
    base_version: int | None,
    sent: Mapping[str, Any],
    live_spec: Mapping[str, Any] | None,
    same_folder: bool,
) -> int:
    """The generation §3.1 gives a write of ``sent`` over generation ``base_version`` of
    an object whose spec is ``live_spec`` (None: unknown, counted as changed)."""
    if base_version is None:
        return 1
    if same_folder and live_spec is not None and _same_spec(sent, live_spec):
        return base_version
    return base_version + 1


def _same_spec(sent: Mapping[str, Any], live: Mapping[str, Any]) -> bool:
    kept = [key for key in sent if key not in SERVER_DROPS]
    live_keys = [key for key in live if key not in SERVER_DROPS]
    return len(kept) == len(live_keys) and all(
        key in live and sent[key] == live[key] for key in kept
    )


class GenerationStamps:
    """Per uid, the generation the last dry run said a write over ``base_version`` gets;
    and the ``schemaVersion`` this server migrates v1 writes to (§4.6), as its answers show."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._dry_runs: dict[str, tuple[int | None, int]] = {}
        self.migrates_to: int | None = None
        self.learned = False  # a v1 write's answer (or dry run's) was seen
        self._live: dict[str, tuple[Mapping[str, Any] | None, str | None]] = {}

    def seen(self, uid: str, spec: Mapping[str, Any] | None, folder_uid: str | None) -> None:
        """The live object read (its spec: None when only its metadata was)."""
        with self._guard:
            self._live[uid] = (spec, folder_uid)

    def guess(
        self, uid: str, base_version: int | None, sent: Mapping[str, Any], folder_uid: str | None
    ) -> int:
        """``expected`` of a write of ``sent`` into ``folder_uid`` over the object last seen."""
        with self._guard:
            spec, folder = self._live.get(uid, (None, None))
        same_folder = base_version is not None and folder == (folder_uid or None)
        return expected(base_version, sent, spec, same_folder)

    def learn(
        self,
        sent: Mapping[str, Any],
        stored: dict[str, Any],
        message_for: Callable[[dict[str, Any]], str | None] | None,
    ) -> str | None:
        """After a stored write: the schemaVersion it was migrated to (used by ``as_stored``
        for the writes that follow), and the message it should carry (``message_for``)."""
        before, after = sent.get("schemaVersion"), stored.get("schemaVersion")
        if isinstance(before, int) and isinstance(after, int):
            with self._guard:
                # A v1 write is migrated to the latest schemaVersion, and one already above
                # it is refused (migrate.go): stored as sent, it was at the latest already.
                # (Set before ``learned``, which writers read without the lock.)
                if after >= before:
                    self.migrates_to = max(after, self.migrates_to or 0)
                self.learned = True
        return message_for(stored) if message_for is not None else None

    def as_stored(self, document: dict[str, Any]) -> dict[str, Any]:
        """``document`` with the schemaVersion this server's migration gave earlier writes
        (the emulator's whole migration; Grafana's may rewrite panels too: the answer then
        says, and the message is put right in one more write, ``K8sDashboards.save``)."""
        version, latest = document.get("schemaVersion"), self.migrates_to
        if latest is None or not isinstance(version, int) or version >= latest:
            return document
        return {**document, "schemaVersion": latest}

    def stored_hash(
        self, document: dict[str, Any], document_hash: str, text: bytes | None = None
    ) -> str:
        """``content_hash(self.as_stored(document))``, given ``document_hash`` =
        ``content_hash(document)`` (``text``: the bytes ``document`` was parsed from)."""
        stored = self.as_stored(document)
        if stored is document:
            return document_hash
        # Only the schemaVersion differs, an int, which normalising leaves as it is: when
        # ``document`` is canonical already (its canonical text has its hash), so is
        # ``stored``, and it is hashed as it is (normalising a copy costs ~5x the hash).
        if text is not None and hash_canonical_bytes(document, text) == document_hash:
            # ``text`` is that canonical text (a sha256 names it): ``stored``'s is the same
            # but for its schemaVersion line
            raised = _with_schema_version(text, document, stored)
            if raised is not None:
                return hash_canonical_bytes(stored, raised)
        if hash_canonical(document) == document_hash:
            return hash_canonical(stored)
        return content_hash(stored)

    def noted(self, uid: str, base_version: int | None, answer: Mapping[str, Any]) -> None:
        with self._guard:
            self._dry_runs[uid] = (base_version, generation(answer))

    def annotations(
        self, uid: str, base_version: int | None, build_hash: str, stamp: int | None
    ) -> dict[str, str]:
        """dashgen's annotations on a write of ``uid`` over ``base_version``: the content
        hash of the build it sends and, with ``stamp`` (a stored write, not a dry run: the
        generation ``expected`` says it gets), the generation stamp."""
        notes = {BUILD_HASH_ANNOTATION: build_hash}
        if stamp is not None:
            notes[GENERATION_ANNOTATION] = self.of(uid, base_version, stamp)
        return notes

    def of(self, uid: str, base_version: int | None, guess: int) -> str:
        """The stamp for a write of ``uid`` over ``base_version`` (None: create): a dry
        run's answer for that very base, else ``guess``."""
        with self._guard:
            planned = self._dry_runs.get(uid)
        if planned is not None and planned[0] == base_version and planned[1] > 0:
            return str(planned[1])
        return str(guess)


def _with_schema_version(
    text: bytes, document: Mapping[str, Any], stored: Mapping[str, Any]
) -> bytes | None:
    """The canonical ``text`` of ``document`` with its top-level schemaVersion line set to
    ``stored``'s (None when that line is not found as canonical text writes it): top-level
    keys alone are indented by two spaces, and no string holds a raw newline."""
    line = b'\n  "schemaVersion": %d' % document["schemaVersion"]
    at = text.find(line)
    end = at + len(line)
    if at < 0 or text[end : end + 1] not in (b",", b"\n"):
        return None
    return b'%s\n  "schemaVersion": %d%s' % (text[:at], stored["schemaVersion"], text[end:])
