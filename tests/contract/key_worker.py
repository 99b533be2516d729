"""A second instance of the app, for test_retention_keys.py: does a destroyed case key stop
working here too, and how soon?

    python -m tests.contract.key_worker '<json config>'

The config names the store (SQLite file or Cosmos emulator database), the key file, the case,
a sealed field and a sealed blob copied before the purge, and the ``mode``:

- ``watch``: open the field once (the key is now in this process's cache, as in a busy running
  instance), print ``ready``, then try again every 0.2 s and print ``gone <unix time>`` at the
  first ``KeyUnavailable`` (exit 0), or ``still`` after 120 s (exit 1);
- ``once``: a fresh instance (empty cache) tries the field and the blob and prints one line per
  copy: ``field KeyUnavailable`` / ``blob KeyUnavailable`` (or what it got instead).
"""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path
from typing import Any

from shared.adapters.local_keys import LocalKeyFile
from shared.clock import SystemClock
from shared.crypto.case_keys import CaseCipher, CaseKeys
from shared.errors import CaseDeskError, KeyUnavailable


def _store(config: dict[str, Any]) -> Any:
    clock = SystemClock()
    if config["store"] == "sqlite":
        from shared.adapters.sqlite import SqliteStore

        return SqliteStore(Path(config["sqlite"]), clock)
    from shared.adapters.cosmos import CosmosStore
    from tests.fixtures.cosmos_server import emulator_client_kwargs

    url, key = config["cosmos"]
    return CosmosStore(url, config["database"], key, clock, **emulator_client_kwargs())


def main(config: dict[str, Any]) -> int:
    keys = CaseKeys(_store(config), LocalKeyFile(Path(config["keys"])), SystemClock())
    cipher = CaseCipher(keys)
    case_id, field = config["case"], config["field"]

    def open_field() -> str:
        return cipher.decrypt_field(case_id, "cases", field["id"], field["name"], field["sealed"])

    if config["mode"] == "once":
        for what, attempt in (
            ("field", open_field),
            (
                "blob",
                lambda: cipher.decrypt_blob(case_id, config["blob"], base64.b64decode(config["blobSealed"])),
            ),
        ):
            try:
                attempt()
                print(f"{what} opened", flush=True)
            except CaseDeskError as exc:
                print(f"{what} {type(exc).__name__}", flush=True)
        return 0
    open_field()
    print("ready", flush=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            open_field()
        except KeyUnavailable:
            print(f"gone {time.time()}", flush=True)
            return 0
        time.sleep(0.2)
    print("still", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
