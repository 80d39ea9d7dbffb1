"""A Grafana HTTP API emulator for tests and CI (see docs/emulator.md).

emulator = Emulator(version="12.0")
client = httpx.Client(base_url="http://grafana", transport=emulator.transport())
with EmulatorServer(emulator) as server:  # real HTTP on 127.0.0.1
    ...server.url...
"""

from dashgen.testing.app import Emulator
from dashgen.testing.dispatch import ConnectionDropped
from dashgen.testing.faults import Fault, Faults
from dashgen.testing.model import LoggedRequest, StoredDashboard, VersionRecord
from dashgen.testing.profiles import PROFILES, GrafanaProfile, profile_for
from dashgen.testing.server import EmulatorServer

__all__ = [
    "PROFILES",
    "ConnectionDropped",
    "Emulator",
    "EmulatorServer",
    "Fault",
    "Faults",
    "GrafanaProfile",
    "LoggedRequest",
    "StoredDashboard",
    "VersionRecord",
    "profile_for",
]
