"""What differs between the Grafana versions the emulator can play (contract §11, §13).

Every difference is a field, so a test can flip one UNCONFIRMED behaviour with
``dataclasses.replace(profile_for("12.0"), ...)`` and pass it as ``Emulator(profile=...)``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GrafanaProfile:
    version: str
    # ≤11.2: 412 name-exists for a same-titled dashboard in the folder, 409 for folders.
    unique_titles: bool
    # POST /api/auth/keys: True creates keys (≤11.2), False answers 410 (11.3+).
    api_keys_enabled: bool
    # Status of a stale save with overwrite=false: 412 version-mismatch, or 409 in 13.x.
    stale_save_status: int
    # Deprecated id-based routes (GET /api/dashboards/id/:id/..., /api/folders/id/:id).
    id_routes: bool
    # A save naming an existing id and an unused uid: True renames the row (legacy SQL),
    # False creates a new dashboard with that uid (12.x k8s path, UNCONFIRMED).
    id_with_new_uid_renames: bool
    # Wrong basic-auth password: 401 (UNCONFIRMED; the 10.x+ code may answer 400).
    bad_password_status: int = 401
    # GET /api/dashboards/uid/:uid/versions: {"continueToken", "versions"} (12.x code and docs),
    # or the bare array of the 11.x handler.
    versions_as_object: bool = True
    # Whether listed versions carry their dashboard JSON in "data" (12.x reads them from
    # unified storage) or null (the 11.x SQL list leaves the column out).
    versions_list_data: bool = True

    @property
    def build_version(self) -> str:
        return f"{self.version}.0"


PROFILES: dict[str, GrafanaProfile] = {
    "11.2": GrafanaProfile(
        version="11.2",
        unique_titles=True,
        api_keys_enabled=True,
        stale_save_status=412,
        id_routes=True,
        id_with_new_uid_renames=True,
        versions_as_object=False,
        versions_list_data=False,
    ),
    "12.0": GrafanaProfile(
        version="12.0",
        unique_titles=False,
        api_keys_enabled=False,
        stale_save_status=412,
        id_routes=True,
        id_with_new_uid_renames=False,
    ),
    "13.0": GrafanaProfile(
        version="13.0",
        unique_titles=False,
        api_keys_enabled=False,
        stale_save_status=409,
        id_routes=False,
        id_with_new_uid_renames=False,
    ),
}


def profile_for(version: str) -> GrafanaProfile:
    try:
        return PROFILES[version]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown Grafana version {version!r}; choose one of {known}") from None
