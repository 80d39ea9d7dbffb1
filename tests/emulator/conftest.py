"""Conformance fixtures: every test talks real HTTP to an EmulatorServer on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from apis_helpers import K8s
from emulator_api import Api, MakeApi

from dashgen.testing import EmulatorServer


@pytest.fixture
def make_api(make_grafana_server: Callable[..., EmulatorServer]) -> Iterator[MakeApi]:
    made: list[Api] = []

    def make(version: str = "12.0", **options: Any) -> Api:
        api = Api(make_grafana_server(version=version, **options))
        made.append(api)
        return api

    yield make
    for api in made:
        api.http.close()


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api("12.0")


@pytest.fixture
def api112(make_api: MakeApi) -> Api:
    return make_api("11.2")


@pytest.fixture
def api13(make_api: MakeApi) -> Api:
    return make_api("13.0")


@pytest.fixture(params=["12.0", "13.0"])
def k8s(request: pytest.FixtureRequest, make_api: MakeApi) -> K8s:
    """The /apis of an emulator in each mode that serves it (12.0, 13.0)."""
    return K8s(make_api(request.param))


@pytest.fixture
def k8s13(make_api: MakeApi) -> K8s:
    return K8s(make_api("13.0"))
