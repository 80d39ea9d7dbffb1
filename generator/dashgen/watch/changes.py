"""A stream of coalesced file changes from watchfiles' Rust watcher.

watchfiles applies one ``recursive`` flag to every path of a watcher, but the config file's
folder is usually the project root, and watching that recursively would put inotify watches
on ``.venv``, ``.git`` and the output folder. So the trees (sources, templates) get a recursive
watcher and the config folder a non-recursive one, each in its own thread, merged in a queue.
The config file is watched through its folder because editors that save by renaming a new
file over the old one would silently end a watch on the file itself.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import watchfiles

from dashgen.errors import WatchError
from dashgen.watch.scope import WatchScope

# watchfiles' words when an event's path is not UTF-8 (its watcher then stops).
_UNDECODABLE = "Unable to decode path"
# How often an idle watcher hands control back; its first hand-back proves it is armed.
IDLE_TICK_MS = 100


class StopSignal(Protocol):
    """What watchfiles accepts as ``stop_event``: anything with ``is_set()``."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class Timing:
    """watchfiles' grouping of bursts: a batch is yielded once ``step_ms`` passes without a new
    event, or after ``debounce_ms`` at most while events keep coming."""

    debounce_ms: int = 200
    step_ms: int = 20


# A lone save is handed over after one or two quiet steps (~20-40 ms; watchfiles' own
# defaults, 1600/50, add ~100 ms and hold a long burst for 1.6 s). A 10 ms step would save
# ~10 ms per save but doubles the idle wake-ups (~1% of a core). The debounce only caps a
# continuous stream of events (a `git checkout`, a formatter run over the tree), so it can
# be generous without slowing a single save.
AUTHORING_TIMING = Timing()


class ChangeStream:
    """Start with ``start()``; iterate ``batches()`` for sets of relevant changed paths."""

    def __init__(
        self,
        scope: WatchScope,
        stop_event: StopSignal,
        timing: Timing = AUTHORING_TIMING,
        force_polling: bool | None = None,
    ) -> None:
        self.scope = scope
        self._stop_event = stop_event
        self._timing = timing
        self._force_polling = force_polling
        self._batches: queue.Queue[set[Path] | BaseException] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._armed: list[threading.Event] = []
        self.trees: tuple[Path, ...] = ()  # the trees that existed, so are watched

    def start(self) -> None:
        """Start the watchers and wait until they are armed, so no later change is missed."""
        self.trees = self.scope.existing_trees()
        groups = [(self.trees, True)]
        groups.append((tuple(p for p in self.scope.file_folders if p.is_dir()), False))
        for paths, recursive in groups:
            if not paths:
                continue
            armed = threading.Event()
            thread = threading.Thread(
                target=self._run_watcher,
                args=(paths, recursive, armed),
                name=f"dashgen-watch-{'trees' if recursive else 'config'}",
                daemon=True,
            )
            self._armed.append(armed)
            self._threads.append(thread)
            thread.start()
        for armed in self._armed:
            while not armed.wait(0.05) and not self._stop_event.is_set():
                pass

    def batches(self, poll_s: float = 0.1) -> Iterator[set[Path]]:
        """Yield every relevant batch (merged with whatever else is already queued) until stop."""
        while not self._stop_event.is_set():
            try:
                item = self._batches.get(timeout=poll_s)
            except queue.Empty:
                continue
            batch = self._unwrap(item)
            while True:
                try:
                    batch |= self._unwrap(self._batches.get_nowait())
                except queue.Empty:
                    break
            if batch:
                yield batch

    def join(self, timeout_s: float = 2.0) -> None:
        for thread in self._threads:
            thread.join(timeout_s)

    def _run_watcher(
        self, paths: tuple[Path, ...], recursive: bool, armed: threading.Event
    ) -> None:
        try:
            while not self._stop_event.is_set():
                try:
                    self._watch(paths, recursive, armed)
                    return
                except RuntimeError as exc:  # (its WatchfilesRustInternalError is private)
                    if _UNDECODABLE not in str(exc):
                        raise
                    # A name that is not UTF-8 ends the Rust watcher. Watch again, and hand
                    # over the watched folders: a changed folder makes the next build walk
                    # the tree, which reports that name (as a build does) and any change
                    # made while no watcher ran.
                    self._batches.put(set(paths))
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self._batches.put(exc)
        finally:
            armed.set()

    def _watch(self, paths: tuple[Path, ...], recursive: bool, armed: threading.Event) -> None:
        for changes in watchfiles.watch(
            *paths,
            watch_filter=self.scope,
            debounce=self._timing.debounce_ms,
            step=self._timing.step_ms,
            stop_event=self._stop_event,
            rust_timeout=IDLE_TICK_MS,
            yield_on_timeout=True,
            recursive=recursive,
            force_polling=self._force_polling,
            raise_interrupt=False,
        ):
            armed.set()
            if changes:  # empty: watchfiles' idle tick
                self._batches.put({Path(raw) for _change, raw in changes})

    def _unwrap(self, item: set[Path] | BaseException) -> set[Path]:
        if isinstance(item, BaseException):
            raise WatchError(f"the file watcher stopped: {item}") from item
        return item
