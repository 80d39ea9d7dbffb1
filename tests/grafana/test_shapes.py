"""``Shape.problem`` passes a well-formed answer at a glance and still names what is wrong
with any other: a boolean is no integer, null is missing, a nested shape is looked into."""

from __future__ import annotations

import pytest

from dashgen.grafana.answers import Shape
from dashgen.grafana.classic_shapes import DASHBOARD

META = {"version": 3, "folderUid": "f", "provisioned": False, "updated": "2026-12-07"}
GOOD = {"dashboard": {"uid": "a", "version": 3, "panels": []}, "meta": META}
NOT_INT = "'dashboard.version' is {}, not an integer"


def test_a_well_formed_answer_passes() -> None:
    assert DASHBOARD.problem(GOOD) is None


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"meta": META}, "'dashboard' is missing"),
        ({**GOOD, "dashboard": None}, "'dashboard' is missing"),
        ({**GOOD, "dashboard": []}, "'dashboard' is a list, not an object"),
        ({**GOOD, "dashboard": {"version": True}}, NOT_INT.format("a boolean")),
        ({**GOOD, "dashboard": {"version": 1.5}}, NOT_INT.format("a number")),
        (
            {**GOOD, "meta": {**META, "provisioned": 1}},
            "'meta.provisioned' is an integer, not a boolean",
        ),
        (
            {**GOOD, "meta": {**META, "folderUid": 7}},
            "'meta.folderUid' is an integer, not a string",
        ),
    ],
)
def test_what_is_wrong_is_named(answer: dict, problem: str) -> None:
    assert DASHBOARD.problem(answer) == problem


def test_types_of_a_tuple_and_subclasses() -> None:
    shape = Shape("x", required={"n": (int, float), "b": bool}, optional={"i": int})
    assert shape.problem({"n": 1.5, "b": True, "i": None}) is None
    assert shape.problem({"n": True, "b": True}) == "'n' is a boolean, not an integer or a number"
    assert shape.problem({"n": 1, "b": 0}) == "'b' is an integer, not a boolean"
