"""Typed reads of a parsed TOML table for ``dashgen.config``: each check appends its
problem (the key as the messages spell it) to ``problems`` and returns a safe value, so that
every problem of a file is reported at once."""

from __future__ import annotations

import math
from typing import Any


def reject_unknown(table: dict[str, Any], known: set[str], prefix: str, problems: list[str]):
    for key in table:
        if key not in known:
            expected = ", ".join(sorted(known))
            problems.append(f"unknown key {prefix}{key} (expected one of: {expected})")


def optional_str(table: dict[str, Any], key: str, prefix: str, problems: list[str]) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{prefix}{key} must be a string, got {type_name(value)}")
        return None
    return value


def optional_bool(table: dict[str, Any], key: str, prefix: str, problems: list[str]) -> bool | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        problems.append(f"{prefix}{key} must be a boolean, got {type_name(value)}")
        return None
    return value


def sub_table(table: dict[str, Any], key: str, prefix: str, problems: list[str]) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"{prefix}{key} must be a table, got {type_name(value)}")
        return {}
    return value


def vars_table(table: dict[str, Any], prefix: str, problems: list[str]) -> dict[str, Any]:
    """``[vars]``: values that JSON can hold (sources write them into dashboards); a TOML
    date or time, or nan and inf, would fail every source that uses them."""
    values = sub_table(table, "vars", prefix, problems)
    stack: list[tuple[str, Any]] = [(f"{prefix}vars.{k}", v) for k, v in values.items()]
    for key, value in stack:  # grows while read: every nested value, in the file's order
        if isinstance(value, dict):
            stack.extend((f"{key}.{k}", v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{key}[{i}]", v) for i, v in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{key} = {value} is not a JSON number: write a finite number")
        elif not isinstance(value, str | int | float):
            problems.append(
                f"{key} is a TOML {type(value).__name__}, which JSON has not: quote it to "
                "make it a string"
            )
    return values


def string_table(
    table: dict[str, Any], key: str, prefix: str, problems: list[str]
) -> dict[str, str]:
    """A table of string values whose keys are free (``[inputs]``: names from ``__inputs``)."""
    values = sub_table(table, key, prefix, problems)
    for name, value in values.items():
        if not isinstance(value, str):
            shown = name if name.replace("_", "").replace("-", "").isalnum() else f'"{name}"'
            problems.append(f"{prefix}{key}.{shown} must be a string, got {type_name(value)}")
    return {name: value for name, value in values.items() if isinstance(value, str)}


def type_name(value: Any) -> str:
    return {str: "a string", int: "an integer", float: "a float", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )
