"""``python -m dashgen.testing --port PORT``: serve the emulator until interrupted.

Options (see docs/emulator.md): ``--grafana-version``, ``--admin-user``/``--admin-password``,
``--latency-ms``, ``--seed N`` (repeatable tokens and uids; random by default),
``--min-refresh-interval`` (the server setting, default 5s), ``--datasource
NAME:TYPE[:UID]`` (repeatable; created in org 1) and ``--dashboard-api-versions
v1,v1beta1,…`` (the ``dashboard.grafana.app`` versions ``/apis`` serves, preferred first;
"" turns ``/apis`` off; default: the release's, grafana-apis.md §1.3).
"""

from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import replace
from types import FrameType

from dashgen.testing.app import Emulator
from dashgen.testing.process import tune_collector
from dashgen.testing.profiles import PROFILES, profile_for
from dashgen.testing.refresh import DEFAULT_MIN_REFRESH_INTERVAL, parse_grafana_duration
from dashgen.testing.server import EmulatorServer
from dashgen.testing.wire import ApiError


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m dashgen.testing", description="Serve a Grafana HTTP API emulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--grafana-version", choices=sorted(PROFILES), default="12.0")
    parser.add_argument("--admin-user", default="admin")
    parser.add_argument("--admin-password", default="admin")
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument(
        "--seed", type=int, default=None, help="repeatable tokens and uids (default: random)"
    )
    parser.add_argument(
        "--min-refresh-interval",
        default=DEFAULT_MIN_REFRESH_INTERVAL,
        help="Grafana's min_refresh_interval: shorter dashboard refreshes are stored as this",
    )
    parser.add_argument(
        "--datasource",
        action="append",
        default=[],
        type=_datasource,
        metavar="NAME:TYPE[:UID]",
        help="create a data source in org 1 (repeatable)",
    )
    parser.add_argument(
        "--dashboard-api-versions",
        type=_versions,
        default=None,
        metavar="V1,V2,…",
        help='dashboard.grafana.app versions served on /apis, preferred first ("" for none)',
    )
    args = parser.parse_args(argv)
    if args.min_refresh_interval and parse_grafana_duration(args.min_refresh_interval) is None:
        parser.error(f"--min-refresh-interval: {args.min_refresh_interval!r} is not a duration")
    return args


def _datasource(spec: str) -> tuple[str, str, str | None]:
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise argparse.ArgumentTypeError(f"expected NAME:TYPE[:UID], got {spec!r}")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


KNOWN_VERSIONS = ("v0alpha1", "v1alpha1", "v1beta1", "v1", "v2alpha1", "v2beta1", "v2")


def _versions(spec: str) -> tuple[str, ...]:
    versions = tuple(v.strip() for v in spec.split(",") if v.strip())
    unknown = [v for v in versions if v not in KNOWN_VERSIONS]
    if unknown:
        known = ", ".join(KNOWN_VERSIONS)
        raise argparse.ArgumentTypeError(f"unknown version {unknown[0]!r}; choose from {known}")
    return versions


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # CI runners stop services with SIGTERM: shut down cleanly


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    profile = profile_for(args.grafana_version)
    if args.dashboard_api_versions is not None:
        profile = replace(profile, apis_dashboard_versions=args.dashboard_api_versions)
        if args.dashboard_api_versions and not profile.apis_folder_versions:
            profile = replace(profile, apis_folder_versions=("v1beta1",))
    emulator = Emulator(
        profile=profile,
        admin_user=args.admin_user,
        admin_password=args.admin_password,
        latency_ms=args.latency_ms,
        seed=args.seed,
        min_refresh_interval=args.min_refresh_interval,
    )
    for name, plugin_type, uid in args.datasource:
        try:
            emulator.create_datasource(1, name, plugin_type, uid)
        except ApiError as error:
            print(f"--datasource {name}: {error.response.body['message']}", file=sys.stderr)
            return 2
    server = EmulatorServer(emulator, host=args.host, port=args.port)
    tune_collector()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    print(server.url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
