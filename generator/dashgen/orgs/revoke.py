"""Revoking a stored token in Grafana, and telling "already gone" from "still works elsewhere"."""

from __future__ import annotations

from dashgen.errors import (
    AuthenticationError,
    GoneError,
    GrafanaError,
    NotFoundError,
    TokenError,
    may_have_landed,
)
from dashgen.grafana import admin as api
from dashgen.grafana.client import Connection, GrafanaClient
from dashgen.messages import Doing, explain
from dashgen.secrets import Secret
from dashgen.tokens import StoredToken


def token_org(target: Connection, token: Secret) -> api.Org:
    """``GET /api/org`` with ``token``: the org it acts in."""
    with target.token_client(token) as client:
        return api.current_org(client)


def revoke(
    client: GrafanaClient, entry: StoredToken, which: str = "", target: Connection | None = None
) -> str:
    """Delete the token in Grafana; a note saying what happened. Raises on real failures.

    Grafana answering 404 is only "already gone" if the token no longer authenticates
    (with ``target``, that is checked): a key that a concurrent bootstrap made in another
    org is deleted there instead."""
    what = f"{which} {entry.kind} token {entry.name!r} of org {entry.org!r}".lstrip()
    try:
        _delete(client, entry, entry.org_id)
    except GoneError:
        return _keys_gone(what)
    except NotFoundError as error:
        if entry.kind == "api-key" and error.grafana_message == _NO_ROUTE:
            return _keys_gone(what)  # 12.1+ removed the routes: its router's 404, not the key's
        return _revoke_where_it_works(client, entry, what, target)
    except _NoId:
        return f"{what} has no id in the store; delete it in Grafana by hand"
    except GrafanaError as error:
        sentence = explain(error, _admin_doing(entry.org, f"revoking {what}"))
        if may_have_landed(error):  # (its answer was lost: the delete may have been done)
            sentence += "; Grafana may have deleted it all the same"
        raise TokenError(f"{sentence}; it is still in the store: run this again") from None
    return f"revoked {what} in Grafana"


class _NoId(Exception):
    pass


# The message of Grafana's router for a route it does not have (a missing key is "API key
# not found"; 12.0 answers 410 to a new key, and 12.1 removed /api/auth/keys altogether).
_NO_ROUTE = "Not found"


def _keys_gone(what: str) -> str:
    return (
        f"{what}: this Grafana no longer has the API-key endpoints (keys became service "
        "accounts); delete it under Administration > Service accounts"
    )


def _delete(client: GrafanaClient, entry: StoredToken, org_id: int) -> None:
    if entry.kind == "service-account" and entry.service_account_id and entry.token_id:
        api.delete_service_account_token(client, org_id, entry.service_account_id, entry.token_id)
    elif entry.kind == "api-key" and entry.token_id:
        api.delete_api_key(client, org_id, entry.token_id)
    else:
        raise _NoId


def _revoke_where_it_works(
    client: GrafanaClient, entry: StoredToken, what: str, target: Connection | None
) -> str:
    if target is None:
        return f"{what} was already gone in Grafana"
    try:
        live = token_org(target, entry.token)
    except AuthenticationError:
        return f"{what} was already gone in Grafana"  # it no longer authenticates anywhere
    except GrafanaError as error:
        doing = Doing(org=entry.org, what=f"checking whether {what} still works")
        return (
            f"{what} was not found in org id {entry.org_id}, and whether it still works "
            f"could not be checked ({explain(error, doing)})"
        )
    where = f"org {live.name!r} (id {live.id})"
    if live.id != entry.org_id:
        try:
            _delete(client, entry, live.id)
        except (GrafanaError, _NoId):
            pass
        else:
            return f"revoked {what} in Grafana, in {where} where it had been created"
    return (
        f"{what} still works, in {where}, but Grafana did not let dashgen delete it: "
        "delete it there in Grafana (Administration > API keys / Service accounts)"
    )


def _admin_doing(org: str, what: str) -> Doing:
    return Doing(org=org, what=what, credentials="admin")


def revoke_quietly(
    client: GrafanaClient, entry: StoredToken, which: str, target: Connection | None = None
) -> str:
    try:
        return revoke(client, entry, which, target)
    except TokenError as error:
        return f"the {which} token was not revoked: {error}"
