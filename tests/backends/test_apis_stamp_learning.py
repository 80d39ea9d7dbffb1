"""The first /apis write of a publish teaches dashgen the schemaVersion this server migrates
v1 writes to (§4.6; the writes that follow name what will be stored in their message,
``GenerationStamps.as_stored``). A first write already at the server's latest schemaVersion
is stored as sent, and teaches it too: it used to count as "this server does not migrate",
and every older dashboard written after it then needed a second write to put its message
right (seen on the corpus, whose first answer came at random from a dashboard at 41 or 39).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from backends_support import K8S_DASHBOARDS, dashboard, make_setup

from dashgen.grafana import k8s_stamp
from dashgen.grafana.k8s_stamp import GenerationStamps
from dashgen.model.normalize import content_hash, dumps_bytes, normalize
from dashgen.testing import EmulatorServer, profile_for


@pytest.mark.parametrize("stored", [41, 42])
def test_a_write_stored_as_sent_teaches_the_latest_schema_version(stored: int) -> None:
    stamps = GenerationStamps()
    stamps.learn({"schemaVersion": stored}, {"schemaVersion": stored}, None)

    assert stamps.learned
    assert stamps.as_stored({"schemaVersion": 39})["schemaVersion"] == stored
    assert stamps.as_stored({"schemaVersion": stored + 1})["schemaVersion"] == stored + 1


def test_a_migrated_write_teaches_the_version_it_was_migrated_to() -> None:
    stamps = GenerationStamps()
    stamps.learn({"schemaVersion": 39}, {"schemaVersion": 41}, None)
    stamps.learn({"schemaVersion": 41}, {"schemaVersion": 41}, None)

    assert stamps.as_stored({"schemaVersion": 16})["schemaVersion"] == 41


@pytest.mark.parametrize("version", ["12.0", "13.0"])
def test_latest_and_older_dashboards_are_each_written_once(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer], version: str
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version=version)
    latest = profile_for(version).schema_latest
    for index in range(4):
        setup.source(dashboard(f"latest-{index}", schemaVersion=latest))
        setup.source(dashboard(f"older-{index}", schemaVersion=39))

    run = setup.publish("--api", "k8s")

    assert run.code == 0 and "8 created" in run.stdout, run.output
    assert len(setup.requests("POST", K8S_DASHBOARDS)) == 8
    assert setup.requests("PUT", f"{K8S_DASHBOARDS}/*") == [], run.output
    again = setup.publish("--api", "k8s")
    assert again.code == 0 and "8 unchanged" in again.stdout, again.output


def _migrating_stamps() -> GenerationStamps:
    stamps = GenerationStamps()
    stamps.learn({"schemaVersion": 39}, {"schemaVersion": 41}, None)
    return stamps


def test_the_stored_hash_of_a_canonical_build_is_its_migrated_forms_content_hash() -> None:
    stamps = _migrating_stamps()
    document = normalize({"uid": "a", "title": "A", "schemaVersion": 39, "panels": [{}]})

    hashed = stamps.stored_hash(document, content_hash(document))

    assert hashed == content_hash({**document, "schemaVersion": 41})
    assert hashed != content_hash(document)


@pytest.mark.parametrize(
    "extra",
    [{}, {"style": "dark", "tags": ["x"]}, {"zz": 1}],
    ids=["few-keys", "keys-after-it", "an-unknown-key"],
)
def test_the_stored_hash_from_a_builds_canonical_text_is_its_migrated_forms_content_hash(
    extra: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    stamps = _migrating_stamps()
    document = normalize({"uid": "t", "title": "T", "schemaVersion": 39, **extra})
    text = dumps_bytes(document)  # the build's output file
    expected = content_hash({**document, "schemaVersion": 41})
    # from the text alone: the dashboard is neither dumped nor normalised again
    monkeypatch.setattr(k8s_stamp, "hash_canonical", _never)
    monkeypatch.setattr(k8s_stamp, "content_hash", _never)

    assert stamps.stored_hash(document, content_hash(document), text) == expected


@pytest.mark.parametrize(
    "text_of",
    [
        lambda d: orjson.dumps(d),  # not canonical text: compact
        lambda d: dumps_bytes({**d, "title": "another"}),  # another dashboard's text
        lambda d: dumps_bytes(d).replace(b'"schemaVersion": 39', b'"schemaVersion":  39'),
    ],
    ids=["compact", "other-dashboard", "odd-spacing"],
)
def test_a_text_that_is_not_the_documents_canonical_text_is_not_trusted(
    text_of: Callable[[dict[str, object]], bytes],
) -> None:
    stamps = _migrating_stamps()
    document = normalize({"uid": "u", "title": "U", "schemaVersion": 39, "panels": [{}]})

    hashed = stamps.stored_hash(document, content_hash(document), text_of(document))

    assert hashed == content_hash({**document, "schemaVersion": 41})


def _never(*args: object) -> str:
    raise AssertionError("the canonical text was there to hash")


def test_the_stored_hash_of_a_document_not_canonical_yet_is_normalised_first() -> None:
    stamps = _migrating_stamps()
    # no panel ids or gridPos, a float width, an untrimmed title: normalising changes it
    document = {"uid": "b", "title": " B ", "schemaVersion": 39, "panels": [{"maxDataPoints": 5.0}]}

    hashed = stamps.stored_hash(document, content_hash(document))

    assert hashed == content_hash({**document, "schemaVersion": 41})


def test_a_document_the_server_stores_as_sent_keeps_its_hash() -> None:
    stamps = _migrating_stamps()
    document = normalize({"uid": "c", "title": "C", "schemaVersion": 41})

    assert stamps.stored_hash(document, "the hash given") == "the hash given"
