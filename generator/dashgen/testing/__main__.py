"""``python -m dashgen.testing --port PORT``: serve the emulator until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from dashgen.testing.app import Emulator
from dashgen.testing.profiles import PROFILES
from dashgen.testing.server import EmulatorServer


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
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # CI runners stop services with SIGTERM: shut down cleanly


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    emulator = Emulator(
        version=args.grafana_version,
        admin_user=args.admin_user,
        admin_password=args.admin_password,
        latency_ms=args.latency_ms,
        seed=args.seed,
    )
    server = EmulatorServer(emulator, host=args.host, port=args.port)
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
