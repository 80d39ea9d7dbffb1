"""Organization bootstrap: create an org, mint a token for it, keep it in the token store.

Grafana's tutorial does this with five curl calls and the admin password on the
command line; here it is idempotent and works on old and new Grafana:

- ``access``: admin credentials and a session checked to be a server admin (Grafana itself
  is reached through a ``dashgen.grafana.client.Connection``)
- ``minting``: the service-account and legacy API-key paths
- ``flows``: ``ensure_org``, ``create_token``, ``bootstrap``, ``delete_token`` and their results
"""

from dashgen.orgs.access import (
    ADMIN_PASSWORD_ENV,
    ADMIN_USER_ENV,
    AdminCredentials,
    split_admin_url,
)
from dashgen.orgs.flows import (
    BootstrapResult,
    DeleteResult,
    OrgResult,
    TokenResult,
    bootstrap,
    create_token,
    delete_token,
    ensure_org,
    find_stored_token,
    verify_token,
)
from dashgen.orgs.minting import DEFAULT_NAME, DEFAULT_ROLE, ROLES, TokenRequest, parse_duration

__all__ = [
    "ADMIN_PASSWORD_ENV",
    "ADMIN_USER_ENV",
    "DEFAULT_NAME",
    "DEFAULT_ROLE",
    "ROLES",
    "AdminCredentials",
    "BootstrapResult",
    "DeleteResult",
    "OrgResult",
    "TokenRequest",
    "TokenResult",
    "bootstrap",
    "create_token",
    "delete_token",
    "ensure_org",
    "find_stored_token",
    "parse_duration",
    "split_admin_url",
    "verify_token",
]
