"""dashgen: Grafana dashboards as code."""

# The single source of the version (pyproject.toml reads it); a static string keeps
# `import dashgen` free of importlib.metadata's cost on every CLI start.
__version__ = "0.1.0"

__all__ = ["__version__"]
