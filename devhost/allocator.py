"""Keep the memory a large request frees warm for the next one (glibc only; docs/decisions/042).

A 25 MiB upload reads its body into 25 MiB of memory. With glibc's defaults that memory was
fresh on most requests — 6,400 page faults, 8–10 ms of a 50 ms upload (bench/README.md,
uploads) — for two reasons: every worker thread allocates from its own arena, so what one
request freed on one thread is not reused by the next request on another; and a freed block that
large goes back to the kernel (``mmap``/trim) rather than staying in the heap.

So, before any worker thread exists: one arena for the whole process, blocks up to 64 MiB taken
from the heap, and up to 128 MiB of free heap kept instead of trimmed. The cost is bounded: the
process keeps at most 128 MiB it does not use; allocations are serialised by the GIL already.
Freed memory is not zeroed either way (``free`` never zeroes; only memory returned to the kernel
is), so keeping it changes nothing about who can read a freed plaintext: only this process.

Elsewhere (macOS, musl) nothing happens: :func:`keep_freed_memory` says whether it applied.
"""

from __future__ import annotations

import ctypes
import ctypes.util

__all__ = ["ARENAS", "KEEP_FREE_BYTES", "LARGEST_HEAP_BLOCK", "keep_freed_memory"]

#: ``mallopt`` parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
ARENAS = 1
#: Above the largest request body (25 MiB upload + form overhead) and its sealed copy.
LARGEST_HEAP_BLOCK = 64 * 1024 * 1024
KEEP_FREE_BYTES = 128 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Apply the settings above; call it before the process starts any thread (an arena limit
    is fixed when the second arena is created). False where the C library has no ``mallopt``."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    settings = (
        (_M_ARENA_MAX, ARENAS),
        (_M_MMAP_THRESHOLD, LARGEST_HEAP_BLOCK),
        (_M_TRIM_THRESHOLD, KEEP_FREE_BYTES),
    )
    return all(mallopt(option, value) == 1 for option, value in settings)
