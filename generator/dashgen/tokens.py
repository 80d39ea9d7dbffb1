"""Per-org tokens: env overrides first, then the token store.

The store is one JSON file per user (``$XDG_CONFIG_HOME/dashgen/tokens.json``, or the
path in env ``DASHGEN_TOKEN_STORE``), keyed by normalised Grafana URL and org name.
It is created 0600 in a 0700 folder, rewritten atomically (temp file in the same
folder, fsync, ``os.replace``) under an exclusive ``flock`` so concurrent writers do
not lose entries, and refused, as ssh refuses a private key, when group or others can
read it. It is the only file a token is ever written to.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from dashgen.errors import TokenError, TokenStoreError
from dashgen.secrets import Secret

STORE_ENV = "DASHGEN_TOKEN_STORE"
STORE_FORMAT_VERSION = 1
TokenKind = Literal["service-account", "api-key"]
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ResolvedToken:
    secret: Secret
    origin: str


@dataclass(frozen=True)
class StoredToken:
    """One store entry. ``token_id`` is the SA token id or the API key id (when known)."""

    grafana_url: str
    org: str
    token: Secret
    kind: TokenKind
    org_id: int
    name: str
    role: str
    created_at: str
    expires_at: str | None = None
    service_account_id: int | None = None
    token_id: int | None = None

    def expired(self, now: datetime | None = None) -> bool:
        if not self.expires_at:
            return False
        expiry = datetime.fromisoformat(self.expires_at)
        return expiry <= (now or datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        return {
            "token": self.token.reveal(),
            "kind": self.kind,
            "org_id": self.org_id,
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "service_account_id": self.service_account_id,
            "token_id": self.token_id,
        }

    @classmethod
    def from_json(cls, grafana_url: str, org: str, data: Mapping[str, Any]) -> StoredToken:
        return cls(
            grafana_url=grafana_url,
            org=org,
            token=Secret(str(data["token"])),
            kind=data.get("kind", "service-account"),
            org_id=int(data.get("org_id") or 0),
            name=str(data.get("name") or ""),
            role=str(data.get("role") or ""),
            created_at=str(data.get("created_at") or ""),
            expires_at=data.get("expires_at"),
            service_account_id=data.get("service_account_id"),
            token_id=data.get("token_id"),
        )


def env_var_name(org: str) -> str:
    return "DASHGEN_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", org.upper())


def normalize_grafana_url(url: str) -> str:
    """``scheme://host[:port]/path``: no credentials, query or trailing slash; the
    scheme and host lower-cased and a default port dropped, so equal URLs share a key."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    return urlunsplit((scheme, host, parts.path.rstrip("/"), "", ""))


def default_store_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(STORE_ENV):
        return Path(env[STORE_ENV]).expanduser()
    config_home = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "dashgen" / "tokens.json"


def display_path(path: Path) -> str:
    """The path with the home folder shown as ``~``."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class TokenStore:
    """The token store file. Reads check permissions; writes lock, then replace atomically."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_store_path()
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    def __str__(self) -> str:
        return display_path(self.path)

    # -- reading ------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    def entries(self, grafana_url: str | None = None) -> list[StoredToken]:
        """Every entry, or those of one Grafana, sorted by URL then org."""
        data = self._read()
        wanted = normalize_grafana_url(grafana_url) if grafana_url else None
        found = []
        for url, section in sorted(data["grafana"].items()):
            if wanted and url != wanted:
                continue
            for org, entry in sorted(section.get("orgs", {}).items()):
                found.append(StoredToken.from_json(url, org, entry))
        return found

    def get(self, grafana_url: str, org: str) -> StoredToken | None:
        url = normalize_grafana_url(grafana_url)
        entry = self._read()["grafana"].get(url, {}).get("orgs", {}).get(org)
        return StoredToken.from_json(url, org, entry) if entry is not None else None

    # -- writing ------------------------------------------------------------------------

    def put(self, entry: StoredToken) -> None:
        """Add or replace the entry for (entry.grafana_url, entry.org)."""
        url = normalize_grafana_url(entry.grafana_url)
        with self._locked():
            data = self._read()
            section = data["grafana"].setdefault(url, {"orgs": {}})
            section.setdefault("orgs", {})[entry.org] = entry.to_json()
            self._write(data)

    def remove(self, grafana_url: str, org: str) -> StoredToken | None:
        """Drop the entry; the removed entry, or None when there was none."""
        url = normalize_grafana_url(grafana_url)
        with self._locked():
            data = self._read()
            orgs = data["grafana"].get(url, {}).get("orgs", {})
            if org not in orgs:
                return None
            removed = StoredToken.from_json(url, org, orgs.pop(org))
            if not orgs:
                del data["grafana"][url]
            self._write(data)
            return removed

    # -- internals ----------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return {"version": STORE_FORMAT_VERSION, "grafana": {}}
        except OSError as error:
            raise TokenStoreError(f"cannot read token store {self}: {error.strerror}") from None
        with os.fdopen(fd, "rb") as handle:
            self._check_private(os.fstat(handle.fileno()))
            raw = handle.read()
        try:
            data = json.loads(raw)
        except ValueError:
            raise TokenStoreError(
                f"token store {self} is not valid JSON; fix or remove it and run "
                "`dashgen token create` again"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("grafana"), dict):
            raise TokenStoreError(f"token store {self} has an unknown layout")
        return data

    def _check_private(self, info: os.stat_result) -> None:
        if info.st_uid != os.getuid():
            raise TokenStoreError(f"token store {self.path} belongs to another user; refusing it")
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            mode = stat.S_IMODE(info.st_mode)
            raise TokenStoreError(
                f"token store {self.path} is accessible by group or others (mode {mode:04o}); "
                f"it holds Grafana tokens, so dashgen refuses it. Fix with: chmod 600 {self.path}"
            )

    def _ensure_folder(self) -> None:
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._ensure_folder()
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _write(self, data: dict[str, Any]) -> None:
        data["version"] = STORE_FORMAT_VERSION
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        # mkstemp creates the file 0600, so the token is never readable by others, even briefly
        fd, temp_name = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        _fsync_folder(self.path.parent)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def resolve_token(org: str, grafana_url: str) -> ResolvedToken | None:
    """Env ``DASHGEN_TOKEN_<ORG>`` first, then the store; None when neither has one.

    Raises ``TokenStoreError`` for an unsafe or unreadable store and ``TokenError`` for
    a stored token that has expired.
    """
    name = env_var_name(org)
    value = os.environ.get(name)
    if value:
        return ResolvedToken(Secret(value.strip()), f"env {name}")
    store = TokenStore()
    entry = store.get(grafana_url, org)
    if entry is None:
        return None
    if entry.expired():
        raise TokenError(
            f"the stored token for org {org!r} at {entry.grafana_url} expired at "
            f"{entry.expires_at}: run `dashgen token create --org {org} --rotate`"
        )
    return ResolvedToken(entry.token, f"token store {store}")
