"""Token formats (contract §1): service-account tokens ``glsa_…`` and legacy API keys ``eyJrIjoi…``.

Only hashes are stored; the clear token is returned once, at creation.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import struct
import zlib
from dataclasses import dataclass

_ALPHABET = string.ascii_letters + string.digits
SA_TOKEN_PREFIX = "glsa"


def random_secret(rng: random.Random, length: int = 32) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(length))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def sa_checksum(prefixed_secret: str) -> str:
    """CRC32-IEEE of ``glsa_<secret>``, as 4 little-endian bytes in hex (satokengen)."""
    return struct.pack("<I", zlib.crc32(prefixed_secret.encode())).hex()


def new_sa_token(rng: random.Random) -> str:
    head = f"{SA_TOKEN_PREFIX}_{random_secret(rng)}"
    return f"{head}_{sa_checksum(head)}"


def is_valid_sa_token(token: str) -> bool:
    parts = token.split("_")
    if len(parts) != 3 or parts[0] != SA_TOKEN_PREFIX:
        return False
    return sa_checksum(f"{parts[0]}_{parts[1]}") == parts[2]


@dataclass(frozen=True)
class LegacyKey:
    secret: str
    name: str
    org_id: int


def new_legacy_key(rng: random.Random, name: str, org_id: int) -> tuple[str, LegacyKey]:
    key = LegacyKey(secret=random_secret(rng), name=name, org_id=org_id)
    payload = json.dumps({"k": key.secret, "n": name, "id": org_id}, separators=(",", ":"))
    return base64.b64encode(payload.encode()).decode(), key


def decode_legacy_key(token: str) -> LegacyKey | None:
    try:
        decoded = json.loads(base64.b64decode(token, validate=True))
        return LegacyKey(
            secret=str(decoded["k"]), name=str(decoded["n"]), org_id=int(decoded["id"])
        )
    except (ValueError, KeyError, TypeError):
        return None
