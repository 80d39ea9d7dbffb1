"""Which dashboard API an org is published through: ``[grafana] api``, ``--api`` or env
``DASHGEN_API`` say ``auto`` (the default), ``classic`` or ``k8s``.

``auto`` follows grafana-apis.md §9: one ``GET /apis`` (the k8s discovery list, which names
every group and its versions, §1.1) after the org check. A Grafana without the App Platform
answers 404 (or, before 12, its web app's HTML page): the classic API. Else the dashboard
group's ``v1`` is used for writes, else ``v1beta1`` (12.0.1-12.x; the same schema); a group
offering only alpha versions (``v1alpha1``, ``v0alpha1``: 12.0.0 or experimental, not a
stable contract) means the classic API. Folders go through ``folder.grafana.app`` by the
same rule, else through ``/api/folders``. A schema v2 dashboard is written in its own
version when the group serves it (``dashgen.grafana.k8s_v2``). ``k8s`` asks the same
question and fails the org with a sentence when the answer is no; ``classic`` asks nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from dashgen.config import API_CHOICES, API_ENV, CONFIG_FILE_NAME, Config
from dashgen.errors import (
    AuthenticationError,
    GrafanaAPIError,
    GrafanaError,
    RateLimitedError,
    UnexpectedResponseError,
    UsageError,
)
from dashgen.grafana import fallback
from dashgen.grafana.backend import DashboardBackend
from dashgen.grafana.classic import ClassicDashboards
from dashgen.grafana.client import GrafanaClient
from dashgen.grafana.k8s import DASHBOARD_GROUP, K8sDashboards
from dashgen.grafana.k8s_folders import FOLDER_GROUP
from dashgen.grafana.k8s_shapes import DISCOVERY, served_versions
from dashgen.grafana.server import read_server_info

logger = logging.getLogger(__name__)

STABLE_VERSIONS = ("v1", "v1beta1")  # in order of preference, for classic-model dashboards
DISCOVERY_PATH = "/apis"


@dataclass(frozen=True)
class ApiChoice:
    """Which dashboard API to use, and where that was said (for messages and --verbose)."""

    value: str  # one of API_CHOICES
    origin: str  # "--api", "env DASHGEN_API", "[grafana] api in dashgen.toml", "default"


def api_choice(option: str | None, environ: Mapping[str, str], config: Config) -> ApiChoice:
    """--api, then env DASHGEN_API, then ``[grafana] api``, then auto. A bad env value is a
    ``UsageError`` naming the variable (click checks the option, the config its own)."""
    if option:
        return ApiChoice(option, "--api")
    from_env = environ.get(API_ENV, "").strip()
    if from_env:
        if from_env not in API_CHOICES:
            raise UsageError(
                f"env {API_ENV}={from_env!r} is not a dashboard API: use one of "
                f"{', '.join(API_CHOICES)}"
            )
        return ApiChoice(from_env, f"env {API_ENV}")
    if config.grafana.api:
        return ApiChoice(config.grafana.api, f"[grafana] api in {CONFIG_FILE_NAME}")
    return ApiChoice("auto", "default")


class ApiUnavailableError(GrafanaError):
    """``k8s`` was asked for, and this Grafana does not serve a stable dashboard API."""


class ApiRefusedError(GrafanaError):
    """``k8s`` was asked for, and /apis refuses this token the org's dashboards (403)."""


@dataclass(frozen=True)
class Chosen:
    backend: DashboardBackend
    why: str  # e.g. "api auto (default): /apis serves dashboard.grafana.app v1, v1beta1"

    def describe(self) -> str:
        return f"{self.backend.describe()}; {self.why}"

    def switch_from(self, earlier: str | None, org: str) -> str | None:
        """Why this choice must not be used when the same org's session chose the backend
        ``earlier`` in this run (a reopen): never a silent mix of APIs within one run."""
        if earlier is None or earlier == self.backend.name:
            return None
        return (
            f"org {org!r} went through the {earlier} dashboard API earlier in this run, now "
            f"{self.describe()}: not switching APIs within one run; run dashgen again"
        )


def choose_backend(client: GrafanaClient, org_id: int, choice: ApiChoice, org: str = "") -> Chosen:
    """The backend for one org's client (the org check has passed: ``org_id`` is the
    token's org). Raises ``ApiUnavailableError`` for ``k8s`` on a Grafana without a stable
    ``/apis``, ``ApiRefusedError`` for ``k8s`` when /apis refuses this token (403), and the
    client's errors when the discovery cannot be read (but 404). ``auto`` falls back to the
    classic API when /apis does not work (``dashgen.grafana.fallback``), before any write."""
    said = f"api {choice.value} ({choice.origin})"
    if choice.value == "classic":
        return Chosen(ClassicDashboards(client), said)
    versions, folder_versions, absent = _discover(client)
    write_version = next((v for v in STABLE_VERSIONS if v in versions), None)
    if write_version is None:
        if absent:
            seen = f"{client.display_url} does not serve {DISCOVERY_PATH}: {absent}"
        elif versions:
            seen = f"{DASHBOARD_GROUP} offers only {', '.join(versions)} (alpha: not stable)"
        else:
            seen = f"{DISCOVERY_PATH} does not list {DASHBOARD_GROUP}"
        if choice.value == "k8s":
            raise ApiUnavailableError(
                f"{said}: {seen}; use api auto or classic for this Grafana (Grafana 12.0.1 "
                "or later serves /apis/dashboard.grafana.app)"
            )
        info = read_server_info(client) if absent else None  # (kept for the classic API)
        if info is not None and fallback.says_apis(info):  # something in between has no /apis
            answers = absent.removeprefix("it ")
            why = f"GET {DISCOVERY_PATH} {answers}, although Grafana {info.version} serves it"
            fallback.warn_fallback(org, said, why)
        return Chosen(ClassicDashboards(client, server_info=info), f"{said}: {seen}")
    folder_version = next((v for v in STABLE_VERSIONS if v in folder_versions), None)
    backend = K8sDashboards(
        client,
        org_id=org_id,
        version=write_version,
        folder_version=folder_version,
        served=tuple(versions),
    )
    refused = fallback.probe_dashboards(client, backend.base)
    if refused is not None:
        if choice.value == "k8s":
            error = ApiUnavailableError if refused.status != 403 else ApiRefusedError
            raise error(
                f"{said}: {DISCOVERY_PATH} lists {DASHBOARD_GROUP} {write_version}, but "
                f"{refused.text}; use api auto or classic for this Grafana and token"
            )
        fallback.warn_fallback(org, said, refused.text)
        return Chosen(ClassicDashboards(client), f"{said}: {refused.text}")
    return Chosen(
        backend, f"{said}: {DISCOVERY_PATH} serves {DASHBOARD_GROUP} {', '.join(versions)}"
    )


def _discover(client: GrafanaClient) -> tuple[list[str], list[str], str]:
    """(dashboard versions, folder versions, why /apis is absent: "" when present)."""
    try:
        groups = client.get(DISCOVERY_PATH, expect=DISCOVERY)
    except AuthenticationError:
        raise  # the token: the same answer awaits every other request
    except GrafanaAPIError as error:
        if isinstance(error, RateLimitedError) or error.status >= 500:
            raise
        return [], [], f"it answers {error.status}"  # 404: no App Platform; 403: a proxy
    except UnexpectedResponseError as error:
        # Grafana < 12 answers with its web app; anything but a k8s group list is no /apis.
        what = error.problem or error.content_type or "something else"
        return [], [], f"it answers {error.status} ({what})"
    return served_versions(groups, DASHBOARD_GROUP), served_versions(groups, FOLDER_GROUP), ""
