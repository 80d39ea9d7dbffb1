"""What differs between the Grafana versions the emulator can play (grafana-api.md §11, §13;
grafana-apis.md §1.3 for ``/apis``).

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
    # Whether /api/auth/keys is routed at all: PR #106019 (merged 2025-05-26, so 12.1+)
    # removed its backend code, and every method gets the generic 404 {"message":"Not
    # found"} (grafana-backup's GET /api/auth/keys pre-check on 12.1.1: ysde/grafana-backup-tool
    # #300). Keys already migrated to service accounts keep authenticating.
    api_key_routes: bool = True
    # POST /api/dashboards/db: a title over 5000 bytes and a message over 500 are 400
    # (ValidateBasicDashboardProperties). On in every mode: the contract (§2) puts the checks
    # with 11.x ("older" is 7.x-10.x), although grafana/grafana#101554 and #99229 (early 2025)
    # suggest 12.0; False is the PRs' reading.
    save_length_limits: bool = True
    # A dashboard tag longer than this many UTF-8 bytes is 400 "dashboard tag too long, max
    # 50 characters" (validateDashboardTags, grafana/grafana#116047 of January 2026, seen on
    # 13.1.0 in #129193); 0: no check (the legacy SQL column takes it on SQLite).
    max_tag_bytes: int = 0
    # POST /api/folders titled "General" (any case): 400 "A folder with that name already
    # exists" from the legacy folder service's buildSaveDashboardCommand (≤11.x); 12.x
    # creates through the folder API, whose validateOnCreate has no such check (a PUT
    # renaming to it is refused in every release: the folder service's Update checks it).
    general_title_reserved: bool = False
    # Wrong basic-auth password: 401 (UNCONFIRMED; the 10.x+ code may answer 400).
    bad_password_status: int = 401
    # DELETE /api/orgs/:orgId of the caller's own current org: 400 with this message (the
    # 11.x handler's; 12.x answers "Cannot delete your active organization" per
    # grafana-client's integration tests against Grafana >= 12, UNCONFIRMED in source).
    delete_active_org_message: str = "Can not delete org for current user"
    # GET /api/library-elements/:uid/connections of a missing element: 404 (11.x), or the
    # RBAC deny of 12.x's scope resolver (403 library.panels:read; grafana-client's
    # integration tests against Grafana >= 12).
    library_missing_denied: bool = False
    # GET /api/dashboards/uid/:uid/versions: {"continueToken", "versions"} (12.x code and docs),
    # or the bare array of the 11.x handler.
    versions_as_object: bool = True
    # Whether listed versions carry their dashboard JSON in "data" (12.x reads them from
    # unified storage) or null (the 11.x SQL list leaves the column out).
    versions_list_data: bool = True
    # /apis (grafana-apis.md §1.3): the dashboard.grafana.app versions served, in discovery
    # order (the first is the preferred version); empty: no App Platform, /apis is a 404.
    apis_dashboard_versions: tuple[str, ...] = ()
    # folder.grafana.app versions (UNCONFIRMED per release: the contract's folder examples
    # use v1; 12.x clients and Grafana's own 12.x frontend use v1beta1).
    apis_folder_versions: tuple[str, ...] = ()
    # The version /api/dashboards/db stores a dashboard in (its
    # status.conversion.storedVersion on /apis; UNCONFIRMED, §3.3 "the version the row was
    # saved with").
    classic_stored_version: str = "v1"
    # The backend migrator's latest and minimum schemaVersion (/apis v1 writes migrate to the
    # latest and fail below the minimum, §4.6; grafana-api.md §8). A missing schemaVersion
    # reads as 0 (``GetSchemaVersion``), below every minimum. Values from
    # apps/dashboard/pkg/migration/schemaversion/migrations.go: MIN 12 / LATEST 41 in a
    # 12.1-era copy (ai-code-review-benchmarks/greptile-v3-grafana @b7acf0d0), MIN 9 /
    # LATEST 42 at grafana/grafana @01ec8e3a.
    schema_latest: int = 41
    schema_minimum: int = 12
    # A refresh below min_refresh_interval on /apis: "reject" (400, §4.6, code-derived,
    # UNCONFIRMED at runtime) or "raise" (stored as the minimum, as the classic save does).
    apis_short_refresh: str = "reject"
    # Whether /apis trims the title before validating and storing it (§4.6: not trimmed,
    # UNCONFIRMED at runtime; the classic save trims, grafana-api.md §14.1).
    apis_trim_title: bool = False
    # 13.0.1's known failure (grafana-apis.md §7.1, gcx#598): every dashboard request on the
    # v2 path answers 500 "no kind Dashboard is registered for version …/v2".
    apis_v2_unregistered: bool = False
    # The apiserver's request body limit (k8s's default MaxRequestBodyBytes, 3 MiB;
    # UNCONFIRMED for Grafana, §4.6): a larger /apis write is 413.
    apis_max_body_bytes: int = 3 * 1024 * 1024
    # A LIST asking for metadata only (Accept ``as=PartialObjectMetadataList``, k8s's
    # transform; UNCONFIRMED for Grafana, ``apis_partial``): "served" as k8s serves it,
    # "ignored" (the full list whatever ``as=`` says) or "refused" (406 for an Accept with
    # any ``as=``, a plain clause after it or not).
    apis_metadata_lists: str = "served"
    # How /apis fails on a Grafana that serves it (deployment states, not versions: what
    # ``--api auto`` falls back from, dashgen.grafana.fallback): "" (it works); "proxy" (a
    # reverse proxy that forwards only /api: every /apis path answers the proxy's own 404,
    # nginx's HTML page, before Grafana sees it); "denied" (the authorizer denies the
    # dashboards of dashboard.grafana.app to every caller: the k8s Forbidden of
    # grafana-apis.md §0, ``User "<login>" cannot <verb> resource "dashboards" in API group
    # …``); "unregistered" (discovery lists the group, but its dashboards resource is not
    # registered, as with a feature flag off: the k8s 404 "the server could not find the
    # requested resource"). UNCONFIRMED which 12.x flag states give the last one.
    apis_failure: str = ""
    # Nested folders (grafana-api.md §5; on by default since 11.0). False: a Grafana before
    # 10 or with the feature off, whose folder service ignores a create's ``parentUid`` (and
    # /apis the parent annotation): the folder lands at the root, with no error.
    nested_folders: bool = True

    @property
    def build_version(self) -> str:
        return f"{self.version}.0"

    @property
    def serves_apis(self) -> bool:
        return bool(self.apis_dashboard_versions)


PROFILES: dict[str, GrafanaProfile] = {
    "11.2": GrafanaProfile(
        version="11.2",
        unique_titles=True,
        general_title_reserved=True,
        api_keys_enabled=True,
        stale_save_status=412,
        id_routes=True,
        id_with_new_uid_renames=True,
        versions_as_object=False,
        versions_list_data=False,
    ),
    "12.0": GrafanaProfile(
        version="12.0",
        delete_active_org_message="Cannot delete your active organization",
        library_missing_denied=True,
        unique_titles=False,
        api_keys_enabled=False,
        stale_save_status=412,
        id_routes=True,
        id_with_new_uid_renames=False,
        # 12.0.1+ (v1alpha1 was renamed v1beta1 in 12.0.1; §1.3), dashboardNewLayouts off.
        apis_dashboard_versions=("v1beta1", "v0alpha1", "v2alpha1"),
        apis_folder_versions=("v1beta1",),
        classic_stored_version="v1beta1",
    ),
    "13.0": GrafanaProfile(
        version="13.0",
        delete_active_org_message="Cannot delete your active organization",
        library_missing_denied=True,
        unique_titles=False,
        api_keys_enabled=False,
        api_key_routes=False,
        stale_save_status=409,
        max_tag_bytes=50,
        id_routes=False,
        id_with_new_uid_renames=False,
        # §1.2 with dashboardNewLayouts on (the 13.x default): v2 is the preferred version.
        apis_dashboard_versions=("v2", "v2beta1", "v2alpha1", "v0alpha1", "v1", "v1beta1"),
        apis_folder_versions=("v1", "v1beta1"),
        classic_stored_version="v1",
        schema_latest=42,
        schema_minimum=9,
    ),
}


def profile_for(version: str) -> GrafanaProfile:
    try:
        return PROFILES[version]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown Grafana version {version!r}; choose one of {known}") from None
