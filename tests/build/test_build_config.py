from __future__ import annotations

from pathlib import Path

import pytest

from dashgen.config import DEFAULT_ORG, load_config
from dashgen.errors import ConfigError


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.config_file is None
    assert config.sources_dir == tmp_path.resolve() / "dashboards"
    assert config.templates_dir == tmp_path.resolve() / "templates"
    assert config.output_dir == tmp_path.resolve() / "build"
    assert config.orgs == {}
    assert config.default_targets() == (DEFAULT_ORG,)


def test_full_config_is_read(tmp_path: Path) -> None:
    (tmp_path / "dashgen.toml").write_text(
        """
grafana_url = "http://localhost:3000"
[paths]
sources = "src"
output = "out"
[vars]
environment = "production"
[orgs.apiorg]
folder = "Platform"
folder_uid = "platform"
sources = ["http_*"]
[orgs.apiorg.vars]
prometheus_uid = "prom"
"""
    )
    config = load_config(tmp_path)
    assert config.grafana_url == "http://localhost:3000"
    assert config.sources_dir == tmp_path.resolve() / "src"
    assert config.output_dir == tmp_path.resolve() / "out"
    assert config.vars == {"environment": "production"}
    org = config.org("apiorg")
    assert (org.folder, org.folder_uid, org.sources) == ("Platform", "platform", ("http_*",))
    assert org.vars == {"prometheus_uid": "prom"}
    assert config.org("other").vars == {} and config.org("other").folder is None


def test_every_problem_is_reported_at_once_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "dashgen.toml").write_text(
        """
grafana_url = 3000
colour = "blue"
[paths]
source = "x"
[orgs.apiorg]
folder = ["Platform"]
sources = "http_*"
token = "no secrets here"
"""
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    text = str(caught.value.message)
    assert "dashgen.toml" in text
    for key in ("grafana_url", "colour", "paths.source", "orgs.apiorg.folder"):
        assert key in text
    assert "orgs.apiorg.sources" in text and "orgs.apiorg.token" in text
    assert len(caught.value.problems) == 6


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.dashgen]\nbogus = 1\n[tool.dashgen.paths]\noutput = "o"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert "tool.dashgen.bogus" in caught.value.message
    (tmp_path / "pyproject.toml").write_text('[tool.dashgen.paths]\noutput = "o"\n')
    assert load_config(tmp_path).output_dir == tmp_path.resolve() / "o"


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "dashgen.toml").write_text("[paths\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert "dashgen.toml" in caught.value.message and "invalid TOML" in caught.value.message
