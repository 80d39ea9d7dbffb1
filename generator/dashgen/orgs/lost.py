"""Creates whose answer was lost: read again before saying what happened.

A POST that dropped its connection, answered 5xx or garbled, or was cut by the deadline or
an interrupt (Ctrl-C, SIGTERM) may have been applied by Grafana (contract §10: none of these
creates is idempotent). For an org or a service account the re-read finds it and the
bootstrap goes on. A token or API key whose answer was lost is worse: Grafana shows its
key only in that answer, so a token made then is a live credential nobody holds; it is
found by name and deleted, so a re-run mints the token under the same name and nothing
is left behind unsaid.

The re-read and the delete run with a few seconds of their own (``after_deadline``), so an
interrupted or timed-out bootstrap still cleans up after itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from dashgen.errors import (
    DeadlineError,
    GoneError,
    GrafanaError,
    NotFoundError,
    UnexpectedResponseError,
    may_have_landed,
)
from dashgen.grafana import admin as api
from dashgen.grafana.answers import Shape
from dashgen.grafana.client import GrafanaClient
from dashgen.grafana.deadline import after_deadline
from dashgen.messages import Doing, explain

T = TypeVar("T")
CLEANUP_S = 5.0  # the time the re-read and delete may take after a deadline or interrupt

_TOKENS = Shape(
    "the service account's tokens",
    kind="list",
    items=Shape("a token", required={"id": int, "name": str}),
)


def answer_lost(error: BaseException) -> bool:
    """Whether Grafana may have applied the request that failed with ``error``: as
    ``may_have_landed``, and an answer cut short or garbled on its way too (the signed-in
    check before it was fine): a token made then has its key in that answer, unreadable."""
    return may_have_landed(error) or isinstance(error, UnexpectedResponseError)


def stopped(error: BaseException) -> bool:
    """The deadline or an interrupt ended the command: no other request may start."""
    return isinstance(error, DeadlineError)


@contextmanager
def cleanup_time() -> Iterator[None]:
    with after_deadline(CLEANUP_S):
        yield


def reread(read: Callable[[], T]) -> T:
    """``read()`` with the clean-up's own few seconds (past a deadline or interrupt)."""
    with cleanup_time():
        return read()


def forget_lost_token(
    client: GrafanaClient,
    org: api.Org,
    name: str,
    account: api.ServiceAccount | None,
    error: GrafanaError,
    what: str,
) -> tuple[str, bool]:
    """After the answer to creating token ``name`` was lost: delete the token of that name
    (its key is unknown, so it can never be used). What happened, as a clause, and whether
    it is settled (nothing of that name is left in Grafana)."""
    lost = explain(error, Doing(org=org.name, what=f"creating {what}", credentials="admin"))
    kind = f"token {name!r} of service account {account.name!r}" if account else f"API key {name!r}"
    try:
        with cleanup_time():
            try:
                token_id = _token_id(client, org, name, account)
            except (GoneError, NotFoundError):
                if account is not None:
                    raise
                token_id = None  # this Grafana has no API keys at all (12.1+): none was made
            if token_id is None:
                if stopped(error):  # (a slow Grafana may still be making it)
                    return (
                        f"{lost}; a re-read finds no {kind} in org {org.name!r} (should it "
                        "appear later, nobody holds its key: delete it there)",
                        True,
                    )
                return f"{lost}; a re-read shows Grafana did not create {kind}", True
            _delete(client, org, token_id, account)
    except GrafanaError as again:
        why = explain(again, Doing(org=org.name, what=f"checking for {kind}", credentials="admin"))
        return (
            f"{lost}; Grafana may have created {kind} in org {org.name!r}, which nobody can use "
            f"(its key was in the lost answer), and it could not be checked ({why}): delete it "
            "there in Grafana",
            False,
        )
    return (
        f"{lost}; Grafana had created {kind} in org {org.name!r} (its key was in the lost "
        "answer), so it was deleted",
        True,
    )


def _token_id(
    client: GrafanaClient, org: api.Org, name: str, account: api.ServiceAccount | None
) -> int | None:
    if account is None:
        return api.api_key_id(client, org.id, name)
    tokens = client.get(f"/api/serviceaccounts/{account.id}/tokens", org_id=org.id, expect=_TOKENS)
    return next((int(t["id"]) for t in tokens or [] if t.get("name") == name), None)


def _delete(
    client: GrafanaClient, org: api.Org, token_id: int, account: api.ServiceAccount | None
) -> None:
    if account is None:
        api.delete_api_key(client, org.id, token_id)
    else:
        api.delete_service_account_token(client, org.id, account.id, token_id)
