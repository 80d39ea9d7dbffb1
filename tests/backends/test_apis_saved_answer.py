"""What an /apis backend keeps of its own writes' answers: their generation and revision
(the next write is based on them), never their spec (each is the whole dashboard again: a
first publish of hundreds would hold them all until the process ends)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from backends_support import dashboard, make_setup

from dashgen.grafana.client import Connection
from dashgen.grafana.k8s import K8sDashboards
from dashgen.model.normalize import normalize
from dashgen.secrets import Secret
from dashgen.testing import EmulatorServer


def test_a_writes_answer_keeps_its_revision_not_its_spec(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer]
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version="13.0")
    connection = Connection(url=setup.server.url)
    with connection.token_client(Secret(setup.token)) as client:
        backend = K8sDashboards(client, org_id=setup.org_id, version="v1", folder_version=None)
        document = normalize(dashboard("kept"))
        first = backend.save(document, uid="kept", base_version=None, folder_uid=None, message="a")
        changed = {**document, "title": "Changed"}
        second = backend.save(
            changed, uid="kept", base_version=first.version, folder_uid=None, message="b"
        )

        assert (first.version, second.version) == (1, 2)  # (based on the revision kept)
        assert backend.stamps._live["kept"][0] is None  # (the spec sent back: not held)
        assert backend.get("kept") is not None
        assert backend.stamps._live["kept"][0] is not None  # (a read's spec is kept)
