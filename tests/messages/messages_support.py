"""Helpers for the "every mistake gets one sentence" tests: a project, the real CLI, and tiny
stdlib HTTP servers on 127.0.0.1 that are not what they seem (HTML pages, odd JSON,
echoes of the request, redirects, a TLS server, a sub-path proxy in front of the emulator).
"""

from __future__ import annotations

import base64
import fnmatch
import http.client
import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cli_run import Run
from dashgen.cli import main
from dashgen.testing import Emulator, EmulatorServer
from dashgen.tokens import env_var_name

ORG = "apiorg"
OTHER_ORG = "otherorg"
FIXTURES = Path(__file__).parent / "fixtures"
CERT_FILE = FIXTURES / "selfsigned.crt"  # CN=localhost, 127.0.0.1; valid for 100 years
KEY_FILE = FIXTURES / "selfsigned.key"


def fake_token(body: str, checksum: str) -> str:
    """A service-account token of Grafana's shape (``glsa_<body>_<checksum>``), put together
    at run time: no file holds one that a secret scanner would take for a real token
    (``tests/test_no_token_literals.py`` keeps it so; ruff format joins split literals)."""
    return "_".join(("glsa", body, checksum))


def fake_api_key(key: str, name: str = "fixture") -> str:
    """A legacy API key of Grafana's shape (base64 of ``{"k":…,"n":…,"id":1}``, so it starts
    ``eyJrIjoi``), encoded at run time for the same reason as ``fake_token``."""
    payload = json.dumps({"k": key, "n": name, "id": 1}, separators=(",", ":"))
    return base64.b64encode(payload.encode()).decode()


def fake_cloud_token(org: str, name: str) -> str:
    """A Grafana Cloud access-policy token's shape (``glc_`` + base64 of ``{"o":…,"n":…}``),
    encoded at run time for the same reason as ``fake_token``."""
    payload = json.dumps({"o": org, "n": name}, separators=(",", ":"))
    return "glc_" + base64.b64encode(payload.encode()).decode()


# Canary secrets: any of these (or a recognisable piece) in any output is a leak.
CANARY_TOKEN = fake_token("CanaryTokenCanaryToken0123456789", "c0ffee42")
CANARY_PASSWORD = "Canary-Admin-Passw0rd-91f3"
CONFIG = """\
[orgs.apiorg]
folder = "Platform"
folder_uid = "platform"

[orgs.otherorg]
"""
DASHBOARDS = {"alpha": "Alpha", "beta": "Beta", "gamma": "Gamma"}


def write_project(root: Path, config: str = CONFIG) -> Path:
    (root / "dashboards").mkdir(parents=True, exist_ok=True)
    (root / "dashgen.toml").write_text(config)
    for uid, title in DASHBOARDS.items():
        document = {"uid": uid, "title": title, "schemaVersion": 39, "panels": []}
        (root / "dashboards" / f"{uid}.json").write_text(json.dumps(document))
    return root


@dataclass
class Cli:
    """The real CLI in-process (CliRunner), keeping every run for the leak scans."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)

    @staticmethod
    def before_run() -> None:
        """Hook (the ``fresh_secrets`` fixture empties the redaction registry here)."""

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Run:
        self.before_run()
        runner = CliRunner()
        result = runner.invoke(main, ["-C", str(self.root), *args], env={**self.env, **(env or {})})
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"dashgen raised {result.exception!r}:\n{result.output}")
        run = Run(result.exit_code, result.stdout, result.stderr)
        assert "Traceback" not in run.output, run.output
        self.runs.append(run)
        return run

    def subprocess(self, *args: str, env: dict[str, str] | None = None) -> Run:
        """The real CLI in its own process (what CI runs): exit code, streams, no traceback."""
        full_env = {**os.environ, **self.env, **(env or {})}
        completed = subprocess.run(
            [sys.executable, "-m", "dashgen", "-C", str(self.root), *args],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        run = Run(completed.returncode, completed.stdout, completed.stderr)
        assert "Traceback" not in run.output, run.output
        self.runs.append(run)
        return run


def assert_one_sentence(run: Run, *, code: int, contains: tuple[str, ...] = ()) -> str:
    """The run failed with ``code`` and one short error line (no HTML pages, no traceback)."""
    assert run.code == code, run.output
    errors = [line for line in run.stderr.splitlines() if line.startswith(("Error:", "org "))]
    assert errors, run.output
    for text in contains:
        assert text in run.output, f"{text!r} not in:\n{run.output}"
    for line in run.output.splitlines():  # an excerpt at most, never pages of HTML
        assert line.count("<p>") <= 2 and line.count("<html") <= 1 and len(line) < 1200, line
    return errors[0]


@dataclass
class Home:
    home: Path
    config_home: Path
    workdir: Path

    @property
    def store_path(self) -> Path:
        return self.config_home / "dashgen" / "tokens.json"


@dataclass
class Grafana:
    server: EmulatorServer
    org_id: int
    other_org_id: int
    tokens: dict[str, str] = field(repr=False)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    def token_env(self, *orgs: str) -> dict[str, str]:
        return {env_var_name(org): self.tokens[org] for org in orgs or self.tokens}


# -- fake servers -------------------------------------------------------------------------

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


class FakeServer:
    """A threaded HTTP(S) server on 127.0.0.1 answering every request with ``answer``."""

    def __init__(
        self, answer: Callable[[SeenRequest], Answer], *, tls: ssl.SSLContext | None = None
    ) -> None:
        self.requests: list[SeenRequest] = []
        self.release = threading.Event()  # for answers that hang until the test ends
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = SeenRequest(self.command, self.path, dict(self.headers.items()), body)
                outer.requests.append(seen)
                status, headers, body = answer(seen)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


def self_signed_tls() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT_FILE, KEY_FILE)
    return context


def html(body: str, status: int = 200) -> Answer:
    return status, {"Content-Type": "text/html; charset=utf-8"}, body.encode()


def as_json(value: Any, status: int = 200) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(value).encode()


LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Sign in · Example SSO</title></head><body>"
    + "<p>Please sign in to continue.</p>" * 200
    + "<form><input name=password type=password></form></body></html>"
)
GRAFANA_INDEX = (
    '<!DOCTYPE html><html lang="en"><head><title>Grafana</title></head><body>'
    + "<p>loading</p>" * 200
    + "<script>window.grafanaBootData = {};</script></body></html>"
)
NGINX_404 = "<html><head><title>404 Not Found</title></head><body><p>nginx</p></body></html>"


def echo_headers(seen: SeenRequest) -> str:
    """What a debugging proxy shows: the request, Authorization header included."""
    lines = [f"{seen.method} {seen.path}", *(f"{k}: {v}" for k, v in seen.headers.items())]
    return "\n".join(lines)


class Proxy:
    """A reverse proxy in front of ``upstream`` (the emulator): serves it under ``prefix``
    (``/grafana``, as nginx does for a Grafana with ``root_url = .../grafana/``; other paths
    get nginx's HTML 404), and answers the requests matching a pattern of ``overrides``
    (``"GET /api/dashboards/uid/*"``) itself: a server that is only partly Grafana's API."""

    def __init__(
        self,
        upstream_url: str,
        prefix: str = "",
        overrides: dict[str, Answer] | None = None,
    ) -> None:
        self.prefix = prefix
        self.overrides = overrides or {}
        host, port = upstream_url.removeprefix("http://").split(":")
        self._fake = FakeServer(self._forward)
        self._upstream = (host, int(port))

    def _forward(self, seen: SeenRequest) -> Answer:
        if not seen.path.startswith(self.prefix + "/"):
            return html(NGINX_404, 404)
        path = seen.path.removeprefix(self.prefix)
        for pattern, answer in self.overrides.items():
            if fnmatch.fnmatchcase(f"{seen.method} {path.split('?')[0]}", pattern):
                return answer
        connection = http.client.HTTPConnection(*self._upstream, timeout=30)
        try:
            connection.request(seen.method, path, body=seen.body or None, headers=seen.headers)
            response = connection.getresponse()
            payload = response.read()
            headers = {k: v for k, v in response.getheaders() if k.lower() != "content-length"}
            return response.status, headers, payload
        finally:
            connection.close()

    @property
    def url(self) -> str:
        return f"{self._fake.url}{self.prefix}"

    def __enter__(self) -> Proxy:
        self._fake.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._fake.__exit__()


def SubPathProxy(upstream_url: str, prefix: str = "/grafana") -> Proxy:
    return Proxy(upstream_url, prefix)


def scanned_texts(run_texts: list[str], *folders: Path, skip: tuple[Path, ...] = ()) -> list[str]:
    """Everything printed, plus every file under ``folders`` (except ``skip``)."""
    texts = list(run_texts)
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not any(path == s or s in path.parents for s in skip):
                texts.append(path.read_bytes().decode("utf-8", "replace"))
    return texts


def leaked(secret: str, texts: list[str]) -> list[str]:
    """The texts holding ``secret`` or a recognisable piece of it (12+ characters)."""
    pieces = {secret} | {secret[i : i + 12] for i in range(0, max(1, len(secret) - 11), 4)}
    return [text[:200] for text in texts if any(piece in text for piece in pieces)]
