"""Per-org tokens: env overrides first, then the token store.

The store is one JSON file per user (``$XDG_CONFIG_HOME/dashgen/tokens.json``, or env
``DASHGEN_TOKEN_STORE``) keyed by normalised Grafana URL and org name: 0600 in a 0700
folder, rewritten atomically (temp file, fsync, ``os.replace``) under an exclusive
``flock``, refused as ssh refuses a private key when group or others can read it; the only
file a token is ever written to. Every entry read is checked (a ``token`` that can go in
an HTTP header, ``expires_at`` ISO 8601, integer ids ...): a malformed one is a
``TokenStoreError`` (exit 2) naming the file and entry, never the token; a token from the
environment too (``InvalidTokenError``).
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

from dashgen.errors import (
    InvalidTokenError,
    MalformedTokenStoreError,
    TokenError,
    TokenStoreError,
)
from dashgen.secrets import Secret, unsafe_character

STORE_ENV = "DASHGEN_TOKEN_STORE"
STORE_FORMAT_VERSION = 1
TokenKind = Literal["service-account", "api-key"]
TOKEN_KINDS = ("service-account", "api-key")
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
        return parse_expiry(self.expires_at) <= (now or datetime.now(UTC))

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
        """The entry; ``entry_problem(data)`` must be None (``TokenStore`` checks it)."""
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


def parse_expiry(text: str) -> datetime:
    """An ISO 8601 time; one without a time zone is taken as UTC."""
    expiry = datetime.fromisoformat(text)
    return expiry if expiry.tzinfo is not None else expiry.replace(tzinfo=UTC)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def entry_problem(data: Any) -> str | None:
    """What is wrong with one store entry (a phrase), or None; never shows the token."""
    if not isinstance(data, dict):
        kind = "a string" if isinstance(data, str) else f"a JSON {type(data).__name__}"
        return f"is {kind}, not an object with a 'token'"
    token = data.get("token")
    if token is None:
        return "has no 'token'"
    if not isinstance(token, str) or not token.strip():
        return "has a 'token' that is not a non-empty string"
    unsafe = unsafe_character(token)
    if unsafe is not None:
        return f"has a token with {unsafe}, which cannot be sent in an HTTP header"
    if data.get("kind", "service-account") not in TOKEN_KINDS:
        return f"has 'kind' {data.get('kind')!r} (expected one of: {', '.join(TOKEN_KINDS)})"
    for key in ("org_id", "service_account_id", "token_id"):
        if data.get(key) is not None and not _is_int(data[key]):
            return f"has {key!r} that is not an integer"
    for key in ("name", "role", "created_at"):
        if data.get(key) is not None and not isinstance(data[key], str):
            return f"has {key!r} that is not a string"
    expires = data.get("expires_at")
    if expires is not None:
        if not isinstance(expires, str):
            return "has 'expires_at' that is not a string"
        try:
            parse_expiry(expires)
        except ValueError:
            return f"has 'expires_at' {expires!r}, which is not an ISO 8601 time"
    return None


def token_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as a token (a phrase), or None."""
    if not value:
        return "is empty"
    unsafe = unsafe_character(value)
    if unsafe is not None:
        return (
            f"contains {unsafe}; a Grafana token is ASCII letters, digits and '_-+/=.' only, "
            "so it was not sent"
        )
    return None


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
    try:  # the path with the home folder shown as ``~``
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

    def check_usable(self) -> None:
        """``TokenStoreError`` unless a ``put`` could work (folder, lock, layout, mode)."""
        try:
            with self._locked():
                self._read()
        except OSError as error:
            raise TokenStoreError(f"cannot write token store {self}: {error.strerror}") from None

    def entries(self, grafana_url: str | None = None) -> list[StoredToken]:
        """Every entry, or those of one Grafana, sorted by URL then org."""
        data = self._read()
        wanted = normalize_grafana_url(grafana_url) if grafana_url else None
        found = []
        for url in sorted(data["grafana"]):
            if wanted and url != wanted:
                continue
            for org, entry in sorted(self._orgs(data, url).items()):
                found.append(self._entry(url, org, entry))
        return found

    def get(self, grafana_url: str, org: str) -> StoredToken | None:
        url = normalize_grafana_url(grafana_url)
        data = self._read()
        if url not in data["grafana"]:
            return None
        entry = self._orgs(data, url).get(org)
        return self._entry(url, org, entry) if entry is not None else None

    def _orgs(self, data: dict[str, Any], url: str) -> dict[str, Any]:
        section = data["grafana"][url]
        orgs = section.get("orgs", {}) if isinstance(section, dict) else None
        if not isinstance(orgs, dict):
            raise MalformedTokenStoreError(
                f"token store {self}: the section of {url} is not an object with 'orgs'; "
                "fix or remove it and run `dashgen token create` again"
            )
        return orgs

    def _entry(self, url: str, org: str, data: Any) -> StoredToken:
        problem = entry_problem(data)
        if problem is not None:
            raise MalformedTokenStoreError(
                f"token store {self}: the entry of org {org!r} at {url} {problem}; fix it in "
                f"the file, or replace it with `dashgen token create --org {org} --rotate`"
            )
        return StoredToken.from_json(url, org, data)

    def put(self, entry: StoredToken, *, if_still: object = True) -> StoredToken:
        """Add or replace the entry (with ``if_still``, only over that entry, None: none;
        else the one another writer stored stays, and is returned)."""
        url = normalize_grafana_url(entry.grafana_url)
        with self._locked():
            data = self._read()
            section = data["grafana"].get(url)
            if not isinstance(section, dict) or not isinstance(section.get("orgs"), dict):
                section = data["grafana"][url] = {"orgs": {}}  # a malformed one held no token
            held = _well_formed(url, entry.org, section["orgs"].get(entry.org))
            if if_still is not True and held is not None and held != if_still:
                return held
            section["orgs"][entry.org] = entry.to_json()
            self._write(data)
            return entry

    def remove(self, grafana_url: str, org: str) -> StoredToken | None:
        """Drop the entry; the removed entry, or None when there was none (or it was
        malformed: removing it is one way to get rid of it)."""
        url = normalize_grafana_url(grafana_url)
        with self._locked():
            data = self._read()
            if url not in data["grafana"]:
                return None
            orgs = self._orgs(data, url)
            if org not in orgs:
                return None
            removed = _well_formed(url, org, orgs.pop(org))
            if not orgs:
                del data["grafana"][url]
            self._write(data)
            return removed

    def _read(self) -> dict[str, Any]:
        try:  # (O_NONBLOCK: a named pipe in its place must not wait for a writer)
            flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
            fd = os.open(self.path, flags)
        except FileNotFoundError:
            return {"version": STORE_FORMAT_VERSION, "grafana": {}}
        except OSError as error:
            raise TokenStoreError(f"cannot read token store {self}: {error.strerror}") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "no regular file"
            raise MalformedTokenStoreError(
                f"token store {self} is {what}: remove it (or point DASHGEN_TOKEN_STORE at "
                "a file) and run `dashgen token create` again"
            )
        with os.fdopen(fd, "rb") as handle:
            self._check_private(info)
            raw = handle.read()
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nested past Python's limit
            raise MalformedTokenStoreError(
                f"token store {self} is not valid JSON; fix or remove it and run "
                "`dashgen token create` again"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("grafana"), dict):
            raise MalformedTokenStoreError(
                f"token store {self} has an unknown layout (expected an object with "
                "'grafana'); fix or remove it and run `dashgen token create` again"
            )
        version = data.get("version", STORE_FORMAT_VERSION)
        if not _is_int(version) or version > STORE_FORMAT_VERSION:
            raise MalformedTokenStoreError(
                f"token store {self} has format version {version!r}, which this dashgen does "
                f"not know (it reads version {STORE_FORMAT_VERSION}): upgrade dashgen"
            )
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
        prefix = f".{self.path.name}."
        fd, temp_name = tempfile.mkstemp(dir=self.path.parent, prefix=prefix, suffix=".tmp")
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
        for stale in self.path.parent.glob(f"{prefix}*.tmp"):  # a copy a killed write left
            with contextlib.suppress(OSError):
                stale.unlink()
        _fsync_folder(self.path.parent)


def _well_formed(url: str, org: str, data: Any) -> StoredToken | None:
    return None if data is None or entry_problem(data) else StoredToken.from_json(url, org, data)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def resolve_token(org: str, grafana_url: str) -> ResolvedToken | None:
    """Env ``DASHGEN_TOKEN_<ORG>`` first, then the store; None when neither has one. Raises
    ``InvalidTokenError`` for a token that cannot be sent (control characters, spaces,
    non-ASCII), ``TokenStoreError`` for an unsafe, unreadable or malformed store and
    ``TokenError`` for a stored token that has expired."""
    name = env_var_name(org)
    value = os.environ.get(name)
    if value and value.strip():
        value = value.strip()  # `export X=$(cat file)` and CI secrets often end in a newline
        problem = token_problem(value)
        if problem is not None:
            raise InvalidTokenError(f"the token for org {org!r} in env {name} {problem}")
        return ResolvedToken(Secret(value), f"env {name}")
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
