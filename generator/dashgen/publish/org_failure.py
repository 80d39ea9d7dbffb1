"""When a whole org fails during a batch: Grafana rejects the token, cannot be reached
after the retries, answers with something that is not its API (an HTML page, a
redirect, an empty body), or the request cannot even be sent. Every dashboard of the
org would fail the same way, so the dashboards not started yet are not sent, and the
org's failure is said once: the per-dashboard failures it caused carry the org's
sentence and ``org_failed``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from dashgen.build.manifest import BuiltDashboard
from dashgen.errors import (
    AuthenticationError,
    DashgenError,
    GrafanaConnectionError,
    GrafanaRequestError,
    UnexpectedResponseError,
)
from dashgen.publish.events import Action, PlannedDashboard, PublishEvent

Outcome = TypeVar("Outcome", PublishEvent, PlannedDashboard)


def is_org_wide(error: DashgenError) -> bool:
    """An error every other request of the org would meet too."""
    if isinstance(error, UnexpectedResponseError):
        return error.kind != "shape"  # one odd dashboard is that dashboard's problem
    return isinstance(error, AuthenticationError | GrafanaConnectionError | GrafanaRequestError)


class OrgFailure:
    """The org's failure in the current batch (None: none), and the sentences it caused."""

    def __init__(self) -> None:
        self.sentence: str | None = None
        self._caused: set[str] = set()
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.sentence = None
            self._caused.clear()

    def note(self, error: DashgenError, sentence: str, org_sentence: Callable[[], str]) -> None:
        """Record that ``error`` (explained as ``sentence``) happened to one dashboard."""
        if not is_org_wide(error):
            return
        with self._lock:
            self._caused.add(sentence)
            if self.sentence is None:
                self.sentence = org_sentence()

    def guard(
        self, org: str, work: Callable[[BuiltDashboard], Any]
    ) -> Callable[[BuiltDashboard], Any]:
        """``work``, or (once the org failed as a whole) a FAILED item without a request."""

        def guarded(built: BuiltDashboard) -> Any:
            sentence = self.sentence
            if sentence is not None:
                return PlannedDashboard(org, built, Action.FAILED, error=sentence, org_failed=True)
            return work(built)

        return guarded

    def absorb(self, outcome: Outcome) -> Outcome:
        """``outcome``, or, when the org's failure caused it, the same carrying the org's
        sentence (said once for the org)."""
        with self._lock:
            sentence = self.sentence
            caused = outcome.error in self._caused
        if sentence is None or outcome.action is not Action.FAILED or not caused:
            return outcome
        return replace(outcome, error=sentence, org_failed=True)
