"""The warm buffers that sealed documents are written into (shared/crypto/buffers.py)."""

from __future__ import annotations

from shared.crypto.buffers import WarmBuffers

MiB = 1024 * 1024


def test_a_returned_buffer_is_lent_again_and_small_ones_are_not_kept() -> None:
    pool = WarmBuffers(keep=2, min_size=MiB)
    with pool.lend(2 * MiB) as first:
        first[:5] = b"hello"
        underlying = first.obj
    assert pool.kept() >= 2 * MiB
    with pool.lend(MiB + 7) as second:  # smaller: the same (warm) buffer, sliced to size
        assert second.obj is underlying
        assert len(second) == MiB + 7
    with pool.lend(100) as small:
        assert len(small) == 100
    assert pool.kept() == len(underlying)  # the small one was not kept


def test_what_stays_allocated_is_bounded_by_keep() -> None:
    pool = WarmBuffers(keep=2, min_size=MiB)
    with pool.lend(MiB) as a, pool.lend(2 * MiB) as b, pool.lend(3 * MiB) as c:
        assert len({id(a.obj), id(b.obj), id(c.obj)}) == 3
    assert pool.kept() <= 2 * (3 * MiB + 1)
    assert pool.kept() >= 5 * MiB  # the two largest are kept


def test_a_buffer_someone_still_views_is_never_lent_again() -> None:
    pool = WarmBuffers(keep=2, min_size=MiB)
    with pool.lend(MiB) as lent:
        lent[:6] = b"theirs"
        kept_slice = lent[:6]  # held past the block: misuse, but their bytes must stay theirs
    assert pool.kept() == 0
    with pool.lend(MiB) as other:
        other[:6] = b"mine!!"
    assert bytes(kept_slice) == b"theirs"
