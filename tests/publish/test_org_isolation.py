"""A token problem of one org is that org's problem: the other orgs still publish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from publish_support import ORG, OTHER_ORG, Project, Seeded, make_dashboard

from dashgen.publish import Action, Connection, publish
from dashgen.secrets import Secret
from dashgen.tokens import STORE_ENV, StoredToken, TokenStore, env_var_name


def _store_with_entry_for_org(path: Path, url: str, *, expired: bool) -> TokenStore:
    store = TokenStore(path)
    now = datetime.now(UTC).replace(microsecond=0)
    store.put(
        StoredToken(
            grafana_url=url,
            org=ORG,
            token=Secret("glsa_stored-token-canary_00000000"),
            kind="service-account",
            org_id=2,
            name="dashgen",
            role="Editor",
            created_at=(now - timedelta(days=2)).isoformat(),
            expires_at=(now - timedelta(days=1)).isoformat() if expired else None,
        )
    )
    return store


@pytest.mark.parametrize("problem", ["expired stored token", "store readable by others"])
def test_a_token_store_problem_of_the_first_org_leaves_the_second_org_publishing(
    seeded: Seeded,
    project: Project,
    connection: Connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    problem: str,
) -> None:
    store_path = tmp_path / "store" / "tokens.json"
    _store_with_entry_for_org(store_path, connection.url, expired=problem.startswith("expired"))
    if problem == "store readable by others":
        store_path.chmod(0o644)
    monkeypatch.setenv(STORE_ENV, str(store_path))
    monkeypatch.delenv(env_var_name(ORG))  # ORG's token comes from the broken store
    built = project.write(ORG, [make_dashboard("a1")]) + project.write(
        OTHER_ORG, [make_dashboard("b1"), make_dashboard("b2")]
    )

    report = publish(project.config, [ORG, OTHER_ORG], connection=connection, dashboards=built)

    by_uid = {event.uid: event for event in report.events}
    assert by_uid["a1"].action is Action.FAILED
    assert by_uid["b1"].action is Action.CREATED and by_uid["b2"].action is Action.CREATED
    assert set(report.org_errors) == {ORG}
    expected = "expired" if problem.startswith("expired") else "chmod 600"
    assert expected in report.org_errors[ORG]
    assert "stored-token-canary" not in report.org_errors[ORG]
    emulator = seeded.emulator
    assert emulator.dashboard(seeded.other_org_id, "b1") is not None
    assert emulator.dashboards(seeded.org_id) == []
    # Nothing at all was sent with the first org's (unusable) credentials.
    assert all(entry.org_id != seeded.org_id for entry in emulator.request_log)
