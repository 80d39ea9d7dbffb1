"""What each answer of the classic API must be (``dashgen.grafana.answers.Shape``): the
client refuses anything else, naming the URL."""

from __future__ import annotations

from dashgen.grafana.answers import Shape

FOLDER = Shape(
    "the folder",
    required={"uid": str},
    optional={"title": str, "version": int, "createdBy": str},
)
# GET /api/folders/:uid/counts: what lies below the folder, per kind.
FOLDER_COUNTS = Shape("the folder's counts")
# DELETE /api/dashboards/uid/:uid and /api/folders/:uid: {"message", "title", ...}.
DELETED = Shape("the deletion's answer", optional={"message": str, "title": str})
DASHBOARD = Shape(
    "the dashboard with its meta",
    required={
        "dashboard": Shape("the dashboard", optional={"version": int}),
        "meta": Shape(
            "its meta",
            optional={
                "version": int,
                "folderUid": str,
                "updatedBy": str,
                "url": str,
                "updated": str,
                "provisioned": bool,
                "provisionedExternalId": str,
            },
        ),
    },
)
SEARCH_HITS = Shape(
    "the search hits", kind="list", items=Shape("a search hit", optional={"uid": str})
)
VERSION = Shape(
    "the version record",
    required={"version": int},
    optional={"message": str, "createdBy": str},
)
_LISTED_VERSIONS = Shape(
    "the version list",
    kind="list",
    items=Shape(
        "a version",
        required={"version": int},
        optional={"message": str, "createdBy": str, "parentVersion": int, "restoredFrom": int},
    ),
)
# A list up to 11.x; 12.x answers {"continueToken": ..., "versions": [...]}.
VERSIONS = Shape(
    "the version list",
    kind="either",
    options=(
        _LISTED_VERSIONS,
        Shape("the version list", required={"versions": _LISTED_VERSIONS}),
    ),
)
LIBRARY = Shape(
    "the library element",
    required={"result": Shape("the element", optional={"model": dict, "name": str})},
)
SAVED = Shape(
    "the saved dashboard's version",
    required={"version": int},
    optional={"uid": str, "url": str},
)
