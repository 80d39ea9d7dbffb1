"""Configuration values that used to pass the config check and crash the build later."""

from __future__ import annotations

import pytest
from build_support import Project, assert_no_traceback


@pytest.mark.parametrize(
    ("value", "shown"), [("86401", "86401"), ("3e6", "3000000.0"), ("1e300", "1e+300")]
)
def test_source_timeout_beyond_a_day_is_a_config_error_not_an_internal_one(
    project: Project, value: str, shown: str
) -> None:
    """The workers' watchdog waits in poll(): past about 24 days its milliseconds overflow
    ("OverflowError: timeout is too large"), which was an internal error at the first
    Python source."""
    project.write("dashgen.toml", f"[build]\nsource_timeout_s = {value}\n")
    project.write(
        "dashboards/p.py", 'dashboard = {"uid": "p", "title": "P", "schemaVersion": 39}\n'
    )
    result = project.cli("build")
    assert result.exit_code == 2, result.output
    assert_no_traceback(result.output)
    assert (
        "dashgen.toml: line 2: build.source_timeout_s must be a number of seconds greater than 0 "
        f"and at most 86400 (a day; default 60), got {shown}" in result.output
    )


def test_source_timeout_of_a_day_builds(project: Project) -> None:
    project.write("dashgen.toml", "[build]\nsource_timeout_s = 86400\n")
    project.write(
        "dashboards/p.py", 'dashboard = {"uid": "p", "title": "P", "schemaVersion": 39}\n'
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output


def test_org_sources_pattern_that_matches_nothing_is_a_warning_at_its_line(
    project: Project, view_dashboard
) -> None:
    """A typo in [orgs.X] sources built that org with fewer dashboards (or none) without a
    word; publish --prune would then delete the others from Grafana."""
    project.write("dashboards/team-a/svc.json", view_dashboard(uid="svc"))
    project.write(
        "dashgen.toml",
        '[orgs.apiorg]\nsources = ["team-a/*.json", "team-b/*"]\n'
        '[orgs.ops]\nsources = ["dashboards/team-a/*.json"]\n',
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert_no_traceback(result.output)
    assert (
        "dashgen.toml:2: warning: orgs.apiorg.sources: pattern 'team-b/*' matches no source "
        "under dashboards/" in result.output
    )
    assert "dashgen.toml:4: warning: orgs.ops.sources: pattern 'dashboards/team-a/*.json'" in (
        result.output
    )
    assert "pattern 'team-a/*.json'" not in result.output
    assert project.cli("build", "--strict").exit_code == 1
    # once it matches, no word
    project.write("dashboards/team-b/other.json", view_dashboard(uid="other"))
    project.write("dashgen.toml", '[orgs.apiorg]\nsources = ["team-a/*.json", "team-b/*"]\n')
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert "warning:" not in result.output
