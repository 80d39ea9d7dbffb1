"""An advisory lock per org that every dashgen publish can see: one writing publish at a time.

Two CI jobs publishing the same org (two branches, a retried pipeline) would otherwise
race dashboard by dashboard, and which content ends up where would change from run to run.
With the lock, the second job waits for the first, then re-reads every dashboard and leaves
alone what the first wrote meanwhile (``dashgen.publish.dashboard``).

Mechanism: a folder in the org, uid ``dashgen-publish-lock``, in General. Taking the lock
creates it (``POST /api/folders`` with that uid: only one creator can succeed, the others
get 409) with the title ``dashgen publish lock: held by <holder> since <time>``, where
``<time>`` is Grafana's clock (the Date header) when the holder took it. Handing it back
deletes it (after checking that nothing was put inside: deleting a folder deletes what it
holds; a folder someone filled is only retitled ``dashgen publish lock: free``). Every
other change of hands is a ``PUT /api/folders/:uid`` with the version that was read
(``overwrite: false``), so two publishers can never both take it: one of them gets 412.
Between publishes the folder does not exist. A create or a hand-back whose answer was lost
(it may have landed) is read again: a lock found in this publish's name is held (or handed
back again); one that cannot be read is said to be possibly left until it goes stale.

Under the command's deadline (``dashgen.grafana.deadline``) a wait for another publisher
ends when the next look would pass it ("not sent: the publish deadline (Ns) passed while
... held the publish lock"), and handing the lock back is allowed ``HANDBACK_S`` past it:
a publish stopped by its deadline never leaves its lock behind.

It cannot stay stale: the holder renews it (the same PUT, so its version moves) every
``HEARTBEAT_S``. A waiter that sees neither its version nor its title move for
``STALE_AFTER_S`` by its own monotonic clock (no comparison of clocks across machines)
takes it over with the same version-checked PUT. So a killed publish blocks others for
``STALE_AFTER_S`` at most; a normal one hands the lock back as its last request.

The lock is only taken by a publish that has something to write or, with ``--prune``,
to delete (an unchanged republish sends no write at all). Where it cannot be used (the
token may not create or edit folders) the publish goes ahead without it and says so;
writes stay version-checked either way.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import partial

from dashgen.errors import (
    DashgenError,
    DeadlineError,
    GrafanaConnectionError,
    ServerError,
    VersionConflictError,
)
from dashgen.grafana.backend import DashboardBackend
from dashgen.grafana.deadline import Deadline, after_deadline, with_grace

log = logging.getLogger(__name__)

LOCK_FOLDER_UID = "dashgen-publish-lock"
# A folder of dashboards may not use the lock's uid (a folder setting or a folder title that
# derives it): the lock would retitle it, and its dashboards would keep it from being deleted.
RESERVED_FOLDER = (
    f"folder uid {LOCK_FOLDER_UID!r} is dashgen's publish lock, not a folder for dashboards: "
    "give this folder another title or folder_uid in the config"
)
FREE_TITLE = "dashgen publish lock: free"
_HELD = re.compile(r"dashgen publish lock: held by (?P<holder>\S+) since (?P<since>\S+)")
HEARTBEAT_S = 10.0
STALE_AFTER_S = 45.0
MAX_WAIT_S = 600.0
POLL_S = (0.1, 1.0)  # first and longest pause between two looks at a held lock
HANDBACK_S = 5.0  # how long handing the lock back may take once the deadline has passed
# ... and after an interrupt: with the in-flight grace (``dashgen.cli.interrupt``) it
# stays under the 7.5 s GitHub Actions gives a step between SIGINT and SIGTERM
INTERRUPTED_HANDBACK_S = 3.0


class LockTimeout(DashgenError):
    """Another publisher kept the lock (renewing it) for longer than this one waits."""


@dataclass(frozen=True)
class Acquired:
    """How the lock was taken."""

    waited_s: float = 0.0
    waited_for: str | None = None  # the holder this publish waited for
    since: str | None = None  # when that holder took the lock (Grafana's clock)
    took_over: bool = False  # from a holder that stopped renewing it

    def note(self, org: str) -> str | None:
        if self.waited_for is None:
            return None
        if self.took_over:
            return (
                f"org {org}: took over the publish lock from {self.waited_for}, which had not "
                f"renewed it for {STALE_AFTER_S:.0f} s (a killed publish); dashboards it wrote "
                "are left alone"
            )
        how = (
            f"waited {self.waited_s:.1f} s for"
            if self.waited_s >= 0.1
            else "ran at the same time as"
        )
        return (
            f"org {org}: {how} another dashgen publish ({self.waited_for}, holding the lock "
            f"since {self.since}); dashboards it wrote meanwhile are left alone"
        )


class PublishLock:
    """The lock of one org, through that org's backend."""

    def __init__(self, backend: DashboardBackend, deadline: Deadline | None = None) -> None:
        self.backend = backend
        self.deadline = deadline
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._title = ""
        self._version: int | None = None
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.lost = False  # someone took it over while this publish held it
        self._seen_holder: tuple[str, str] | None = None  # (holder, since) seen by peek()
        self._seen_absent = False  # peek() read no lock folder: acquire() claims at once

    @property
    def held(self) -> bool:
        return self._version is not None

    def peek(self) -> str | None:
        """Look at the lock without taking it (a read): a publisher holding it now is one
        this publish overlaps, even if it is done before this one has anything to write.
        When it took the lock (Grafana's clock), or None when nobody holds it."""
        try:
            folder = self.backend.get_folder(LOCK_FOLDER_UID)
        except DashgenError:
            return None
        self._seen_absent = folder is None
        held = _HELD.fullmatch(str((folder or {}).get("title") or ""))
        if held is None or held["holder"] == self.holder:
            return None
        self._seen_holder = (held["holder"], held["since"])
        return held["since"]

    def acquire(self) -> Acquired:
        """Wait until this publish holds the lock. Raises ``LockTimeout``; any other
        ``DashgenError`` means the lock cannot be used here."""
        started = time.monotonic()
        seen: tuple[str, int] | None = None
        seen_at = started
        waited_for, since = self._seen_holder or (None, None)
        pause = POLL_S[0]
        claimed: DashgenError | None = None  # a claim sent (it may have landed, answer lost)
        # The peek found no lock: claim it without reading it again (the create is the
        # atomic step either way; a 409 means someone was quicker, and the loop reads it).
        unread, self._seen_absent = self._seen_absent, False
        while True:
            try:
                folder = None if unread else self.backend.get_folder(LOCK_FOLDER_UID)
                unread = False
            except DashgenError as read_error:
                if claimed is None:
                    raise
                raise self._maybe_left(claimed, read_error) from None
            now = _iso(self.backend.server_date())
            if folder is None:
                title = self._held_title(now)
                claimed = DashgenError("a claim of the lock was answered 409")
                try:
                    created = self.backend.claim_folder(LOCK_FOLDER_UID, title)
                except (GrafanaConnectionError, ServerError) as error:
                    created = self._claimed_after_all(title, error)
                if created is not None and self._hold(title, created):
                    waited = time.monotonic() - started if waited_for else 0.0
                    return Acquired(waited, waited_for, since)
                continue  # another publisher created it first
            title, version = str(folder.get("title") or ""), int(folder.get("version") or 0)
            held = _HELD.fullmatch(title)
            stale = False
            if held is not None and held["holder"] != self.holder:
                if seen != (title, version):
                    seen, seen_at = (title, version), time.monotonic()
                    waited_for = held["holder"]
                    since = min(since or held["since"], held["since"])
                stale = time.monotonic() - seen_at >= STALE_AFTER_S
                if not stale:
                    if time.monotonic() - started > MAX_WAIT_S:
                        raise LockTimeout(
                            f"another dashgen publish ({held['holder']}) has held the publish "
                            f"lock since {held['since']}; gave up after {MAX_WAIT_S:.0f} s"
                        )
                    deadline = self.deadline
                    if deadline is not None and pause >= deadline.remaining():
                        raise DeadlineError(
                            f"not sent: {deadline.stopped_by} while another dashgen publish "
                            f"({held['holder']}) held the publish lock (since {held['since']})",
                            sent=False,
                        )
                    (deadline.sleep if deadline is not None else time.sleep)(pause)
                    pause = min(POLL_S[1], pause * 2)
                    continue
            if self._take(version, now):
                waited = time.monotonic() - started if waited_for else 0.0
                return Acquired(waited, waited_for, since, took_over=stale)

    def _claimed_after_all(self, title: str, error: DashgenError) -> dict | None:
        """The claim's answer was lost, so it may have created the lock in this publish's
        name: read it again. Ours → the folder (held); another's → None (look again); not
        there → ``error`` (not created: the lock cannot be used); unreadable → nobody can
        tell, and a lock of ours would stay until it goes stale: said so."""
        try:
            folder = self.backend.get_folder(LOCK_FOLDER_UID)
        except DashgenError as read_error:
            raise self._maybe_left(error, read_error) from None
        if folder is None:
            raise error
        return folder if folder.get("title") == title else None

    def _maybe_left(self, error: DashgenError, read_error: DashgenError) -> DashgenError:
        return DashgenError(
            f"{error.message}; the lock may be left held by {self.holder} until it goes stale "
            f"({STALE_AFTER_S:.0f} s without renewal): reading it again failed "
            f"({read_error.message})"
        )

    def release(self) -> str | None:
        """Hand the lock back (best effort: if this fails, it goes stale for others); None
        when done (or not held), else what went wrong and what it means for others."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        with self._guard:
            if self._version is None:
                return None
            self._version = None
        interrupted = self.deadline is not None and self.deadline.interrupted
        # (the one request allowed past the deadline; shorter after an interrupt: CI kills)
        with after_deadline(INTERRUPTED_HANDBACK_S if interrupted else HANDBACK_S):
            error = self._hand_back()
        if error is None:
            return None
        return (
            f"the publish lock (folder {LOCK_FOLDER_UID}) could not be handed back "
            f"({error.message}); another publish of this org waits for it to go stale "
            f"({STALE_AFTER_S:.0f} s without renewal), or delete that folder"
        )

    def _hand_back(self) -> DashgenError | None:
        """Delete (or free) the lock folder while it is still ours; after a lost answer it
        is read again once: gone or freed is done, still ours is sent again (else the
        next publish would wait ``STALE_AFTER_S`` for it). The error when it failed."""
        failure: DashgenError | None = None
        count = with_grace(partial(self.backend.folder_is_empty, LOCK_FOLDER_UID))
        for attempt in (1, 2):
            try:
                # (the count goes out beside the read; it counts only if the lock is ours)
                with ThreadPoolExecutor(1, thread_name_prefix="dashgen-lock-count") as pool:
                    empty = pool.submit(count)
                    folder = self.backend.get_folder(LOCK_FOLDER_UID)
                    if folder is None or folder.get("title") != self._title:
                        return None  # taken over meanwhile (or handed back): not ours
                    if empty.result():
                        self.backend.delete_folder(LOCK_FOLDER_UID)
                    else:
                        version = int(folder.get("version") or 0)
                        self.backend.update_folder(LOCK_FOLDER_UID, FREE_TITLE, version)
                return None
            except (GrafanaConnectionError, ServerError) as error:
                log.debug("publish lock not handed back (attempt %d): %s", attempt, error)
                failure = error
            except DashgenError as error:
                log.debug("publish lock not handed back: %s", error)
                return error
        return failure

    def _held_title(self, now: str) -> str:
        return f"dashgen publish lock: held by {self.holder} since {now}"

    def _take(self, version: int, now: str) -> bool:
        title = self._held_title(now)
        try:
            folder = self.backend.update_folder(LOCK_FOLDER_UID, title, version)
        except VersionConflictError:
            return False  # another publisher moved first: look again
        return self._hold(title, folder)

    def _hold(self, title: str, folder: dict) -> bool:
        with self._guard:
            self._title, self._version = title, int(folder.get("version") or 1)
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew, name="dashgen-lock", daemon=True)
        self._renewer.start()
        return True

    def _renew(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            with self._guard:
                if self._version is None:
                    return
                try:
                    folder = self.backend.update_folder(LOCK_FOLDER_UID, self._title, self._version)
                except VersionConflictError:
                    self.lost, self._version = True, None
                    log.warning("the publish lock was taken over by another publisher")
                    return
                except DashgenError as error:
                    log.debug("publish lock not renewed: %s", error)
                    continue
                self._version = int(folder.get("version") or self._version + 1)


def _iso(http_date: str | None) -> str:
    """An HTTP Date header as ISO 8601 UTC (``2025-01-31T10:00:00Z``); now when missing."""
    try:
        moment = parsedate_to_datetime(http_date) if http_date else None
    except (TypeError, ValueError):
        moment = None
    if moment is None:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
