"""Reading a dashboard in another version than it is stored in (grafana-apis.md §7.1).

Grafana converts on read and reports ``status.conversion = {storedVersion, failed, error?}``.
What the emulator does:

- Same version: the stored spec, ``status: {}``.
- Same schema family (``v0alpha1``/``v1alpha1``/``v1beta1``/``v1``, or ``v2alpha1``/
  ``v2beta1``/``v2``): the spec unchanged, ``status.conversion = {storedVersion, failed:
  false}``. Between ``v2beta1`` and ``v2`` the panel transformations are reshaped (§7.2, the
  only difference); ``v2alpha1``'s other shapes (DataQueryKind, VizConfig) are NOT converted.
- Across families (v1 ↔ v2): the emulator does NOT implement Grafana's conversion (§7.3).
  It answers as Grafana does when a conversion fails: ``status.conversion.failed = true``
  with an ``error`` saying so, the original spec in ``status.conversion.source`` (#109912)
  and a default, valid spec in the requested version (title kept, nothing else). A client
  must then "fetch the stored version" (the status comment), which is exactly what dashgen
  has to do against a real Grafana whenever ``storedVersion`` differs from its own.
"""

from __future__ import annotations

from typing import Any


def family(version: str) -> str:
    return "v2" if version.startswith("v2") else "v1"


def read_as(
    spec: dict[str, Any], stored: str, wanted: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``spec`` (stored in ``stored``) as the ``wanted`` version shows it, with its status."""
    if stored == wanted:
        return spec, {}
    if family(stored) == family(wanted):
        if {stored, wanted} == {"v2beta1", "v2"}:
            spec = _reshape_transformations(spec, to_v2=wanted == "v2")
        return spec, {"conversion": {"failed": False, "storedVersion": stored}}
    error = (
        f"conversion from {stored} to {wanted} failed in emulator: the emulator does not "
        "convert between schema v1 and v2 dashboards (read the stored version)"
    )
    status = {
        "conversion": {"failed": True, "storedVersion": stored, "error": error, "source": spec}
    }
    return default_spec(wanted, spec.get("title")), status


def default_spec(version: str, title: Any) -> dict[str, Any]:
    """The valid, empty spec a failed conversion fills in."""
    shown = title if isinstance(title, str) else ""
    if family(version) == "v1":
        return {"title": shown}
    return {
        "title": shown,
        "elements": {},
        "layout": {"kind": "GridLayout", "spec": {"items": []}},
    }


def _reshape_transformations(spec: dict[str, Any], *, to_v2: bool) -> dict[str, Any]:
    """v2beta1 ``{kind: <id>, spec: {id, options, …}}`` ↔ v2 ``{kind: "Transformation",
    group: <id>, spec: {options, …}}`` in every panel (``v2beta1_to_v2.go``)."""
    elements = spec.get("elements")
    if not isinstance(elements, dict):
        return spec
    reshaped = dict(spec, elements=dict(elements))
    for key, element in elements.items():
        query_group = _query_group(element)
        if query_group is None:
            continue
        steps = query_group.get("transformations")
        if not isinstance(steps, list):
            continue
        new_steps = [_step_to_v2(s) if to_v2 else _step_to_v2beta1(s) for s in steps]
        new_element = _with_transformations(element, new_steps)
        reshaped["elements"][key] = new_element
    return reshaped


def _query_group(element: Any) -> dict[str, Any] | None:
    try:
        group = element["spec"]["data"]["spec"]
    except (KeyError, TypeError):
        return None
    return group if isinstance(group, dict) else None


def _with_transformations(element: dict[str, Any], steps: list[Any]) -> dict[str, Any]:
    data = element["spec"]["data"]
    new_data = dict(data, spec=dict(data["spec"], transformations=steps))
    return dict(element, spec=dict(element["spec"], data=new_data))


def _step_to_v2(step: Any) -> Any:
    if not isinstance(step, dict) or step.get("kind") == "Transformation":
        return step
    inner = dict(step.get("spec") or {})
    inner.pop("id", None)
    return {"kind": "Transformation", "group": step.get("kind", ""), "spec": inner}


def _step_to_v2beta1(step: Any) -> Any:
    if not isinstance(step, dict) or step.get("kind") != "Transformation":
        return step
    group = step.get("group", "")
    return {"kind": group, "spec": {"id": group, **dict(step.get("spec") or {})}}
