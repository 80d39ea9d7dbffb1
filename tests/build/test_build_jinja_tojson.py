"""The ``tojson`` filter of Jinja sources writes what ``json.dumps(value, ensure_ascii=False,
sort_keys=True)`` writes, and fails as it fails, one encoding after another."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jinja2
import pytest
from markupsafe import Markup

from dashgen.sources.jinja import DeferredBytecodeCache, RecordingEnvironment

VALUES: list[Any] = [
    "plain",
    'quotes " and \\ and \n and ünïcode and \u2028',
    Markup("<b>markup</b>"),
    0,
    -12,
    10**30,
    True,
    None,
    1.5,
    math.nan,
    math.inf,
    -math.inf,
    [],
    {},
    {"h": 8, "w": 24, "x": 0, "y": 16},
    {"z": [1, {"b": None, "a": "é"}], "a": (1, 2)},
    {1: "int key", 2: "sorted"},
]


def _tojson(tmp_path: Path) -> Any:
    environment = RecordingEnvironment([tmp_path], DeferredBytecodeCache(tmp_path / "out", {}))
    return environment.filters["tojson"]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_same_text_as_json_dumps(tmp_path: Path, value: Any) -> None:
    tojson = _tojson(tmp_path)
    assert tojson(value) == json.dumps(value, ensure_ascii=False, sort_keys=True)
    assert tojson(value, indent=2) == json.dumps(
        value, ensure_ascii=False, sort_keys=True, indent=2
    )


def test_a_failed_encoding_leaves_nothing_behind(tmp_path: Path) -> None:
    tojson = _tojson(tmp_path)
    inner = {"a": 1}
    outer = {"inner": inner, "bad": object()}
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        tojson(outer)
    # the same containers again, now encodable: not taken for a cycle
    del outer["bad"]
    assert tojson(outer) == '{"inner": {"a": 1}}'
    assert tojson([outer, outer]) == '[{"inner": {"a": 1}}, {"inner": {"a": 1}}]'


def test_undefined_and_circular_values_fail_as_before(tmp_path: Path) -> None:
    tojson = _tojson(tmp_path)
    undefined = jinja2.StrictUndefined(name="missing_thing")
    with pytest.raises(jinja2.UndefinedError, match="missing_thing"):
        tojson({"x": [undefined]})
    circular: list[Any] = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference detected"):
        tojson(circular)
    assert tojson({"x": [1]}) == '{"x": [1]}'
    with pytest.raises(TypeError):  # keys json.dumps cannot sort
        tojson({1: "a", "b": 2})
    assert tojson({"y": 2}) == '{"y": 2}'
