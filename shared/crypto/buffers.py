"""Warm output buffers for large ciphertexts.

A fresh 25 MiB buffer is ~6,400 pages the kernel must fault in and zero on first touch: ~10 ms,
more than the AES-GCM of the document itself (2–3 ms into warm memory) and a third of an upload's
own work (bench/README.md, uploads). A buffer handed back after the blob write is warm for the
next upload. At most ``keep`` buffers are kept, so what stays allocated is bounded by ``keep`` ×
the largest sealed document (2 × 25 MiB with the defaults); small outputs are not pooled.

A buffer goes back to the pool only if nobody holds a view of it any more (a caller that kept a
slice past the ``with`` block keeps its bytes intact, and the pool lets that buffer go): a
bytearray with live views refuses to change its size, which :func:`_unshared` tries — with one
byte of spare capacity allocated up front, so the probe never reallocates.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["WarmBuffers"]

_MIN_POOLED = 1024 * 1024


class WarmBuffers:
    def __init__(self, keep: int = 2, min_size: int = _MIN_POOLED) -> None:
        self._keep, self._min_size = keep, min_size
        self._free: list[bytearray] = []
        self._lock = threading.Lock()

    @contextmanager
    def lend(self, size: int) -> Iterator[memoryview]:
        """A writable view of exactly ``size`` bytes, valid inside the ``with`` block only."""
        pooled = size >= self._min_size
        buffer = self._take(size) if pooled else None
        if buffer is None:
            buffer = bytearray(size + 1)
            del buffer[-1]  # capacity for the probe's byte (shrinking keeps the allocation)
        view = memoryview(buffer)[:size]
        try:
            yield view
        finally:
            view.release()
            if pooled and _unshared(buffer):
                self._give_back(buffer)

    def _take(self, size: int) -> bytearray | None:
        with self._lock:
            # The smallest kept buffer that fits: a small upload does not pin the largest one.
            fitting = [b for b in self._free if len(b) >= size]
            if not fitting:
                return None
            chosen = min(fitting, key=len)
            self._free.remove(chosen)
            return chosen

    def _give_back(self, buffer: bytearray) -> None:
        with self._lock:
            self._free.append(buffer)
            if len(self._free) > self._keep:
                self._free.remove(min(self._free, key=len))  # keep the largest ones

    def kept(self) -> int:
        """How many bytes the pool holds now (for tests and diagnostics)."""
        with self._lock:
            return sum(len(b) for b in self._free)


def _unshared(buffer: bytearray) -> bool:
    """Whether no view of ``buffer`` is alive (a resize is refused while one is)."""
    try:
        buffer.append(0)
    except BufferError:
        return False
    del buffer[-1]
    return True
