"""The baseline publisher: POST each file, one after the other, like a curl loop.

    python bench/sequential_post.py GRAFANA_URL FILE_LIST [FOLDER_UID]

FILE_LIST holds one dashboard JSON file per line; the token is env SEQUENTIAL_TOKEN.
Every file is sent as ``{"dashboard": ..., "overwrite": true, "folderUid": ...}`` over
one keep-alive connection (kinder to the baseline than a process per request).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx


def main(argv: list[str]) -> int:
    url, list_file = argv[0], Path(argv[1])
    folder_uid = argv[2] if len(argv) > 2 and argv[2] else None
    headers = {
        "Authorization": f"Bearer {os.environ['SEQUENTIAL_TOKEN']}",
        "Content-Type": "application/json",
    }
    with httpx.Client(base_url=url, headers=headers) as client:
        for line in list_file.read_text().splitlines():
            dashboard = json.loads(Path(line).read_text())
            dashboard.pop("id", None)
            body = {"dashboard": dashboard, "overwrite": True, "folderUid": folder_uid}
            client.post("/api/dashboards/db", content=json.dumps(body)).raise_for_status()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
