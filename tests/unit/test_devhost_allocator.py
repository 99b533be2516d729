"""The dev host keeps memory a large request freed warm for the next request on another worker
thread (devhost/allocator.py, docs/decisions/042): counted in page faults, in a fresh process
each time (the settings must come before any thread, and are process-wide)."""

from __future__ import annotations

import ctypes.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Worker 1 handles a 25 MiB request and frees it; then worker 2 (alive meanwhile, as cheroot's
# workers are) handles the next one. What counts is the page faults worker 2 takes: 6,400 for
# fresh memory, none for reused memory.
_SCRIPT = """
import json, resource, sys, threading
from devhost.allocator import keep_freed_memory

applied = keep_freed_memory() if sys.argv[1] == "on" else False
SIZE = 25 * 1024 * 1024
faults, first_done, second_done = [], threading.Event(), threading.Event()

def first():
    body = bytearray(SIZE)  # zero-filled: every page touched
    del body
    first_done.set()
    second_done.wait()

def second():
    first_done.wait()
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    body = bytearray(SIZE)
    faults.append(resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before)
    del body
    second_done.set()

workers = [threading.Thread(target=first), threading.Thread(target=second)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
print(json.dumps({"applied": applied, "faults": faults[0]}))
"""


def _has_mallopt() -> bool:
    name = ctypes.util.find_library("c")
    try:
        return bool(name) and hasattr(ctypes.CDLL(name), "mallopt")
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _has_mallopt(), reason="glibc's mallopt only"
)


def _run(mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(done.stdout))


def test_a_large_block_freed_on_one_worker_is_reused_warm_on_another() -> None:
    tuned = _run("on")
    assert tuned["applied"] is True
    assert int(str(tuned["faults"])) < 300  # 25 MiB is 6,400 pages


def test_without_it_the_next_request_faults_its_memory_in_afresh() -> None:
    """The control: glibc's defaults hand the block back to the kernel, so the measurement above
    can tell the two apart."""
    default = _run("off")
    assert default["applied"] is False
    assert int(str(default["faults"])) > 5000
