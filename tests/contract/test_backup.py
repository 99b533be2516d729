"""Backups (issue 26) on every adapter: the Store's ``scan_page`` (the export's paging) on memory,
SQLite and Cosmos; the export → purge → restore drill on SQLite + local files and on Cosmos +
Azurite; the audit anchors catching a consistent rewrite of a whole chain.

The drill, as the issue puts it: populate, export, purge case X, restore the pre-purge export
into an empty store with the current keys → X stays unreadable (a tombstone, 410 for everyone,
its items gone again), every other case reads, and ``verify-audit --all`` passes.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap, cli
from shared.access.caller import Caller
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.outbox import OutboxMailer
from shared.audit import AuditLog
from shared.backup import anchors, export, restore
from shared.config import Environment
from shared.crypto.case_keys import CaseCipher, CaseKeys
from shared.errors import Conflict, InvalidContinuation, KeyUnavailable
from shared.notes import notes
from shared.ports import CONTAINERS, BlobStore, Item, Ports, Store
from shared.retention import purge
from tests.fakes import FailingPorts, ManualClock
from tests.retention_world import RetentionWorld, due_case, leftovers
from tests.unit.settle import settle

# -- scan_page: the Store contract of the export's paging ---------------------------------------


def _put(store: Store, container: str, partition: str, item_id: str, **fields: Any) -> None:
    store.create(container, {"id": item_id, CONTAINERS[container]: partition, **fields})


def _walk(store: Store, container: str, limit: int) -> Iterator[Item]:
    continuation: str | None = None
    while True:
        page = store.scan_page(container, limit=limit, continuation=continuation)
        assert len(page.items) <= limit
        yield from page.items
        continuation = page.continuation
        if continuation is None:
            return


def test_scan_page_walks_a_container_in_partition_then_id_order(store: Store) -> None:
    # The same ids in several partitions (every audit chain has a "head"): the order is total.
    for partition in ("b", "a", "c"):
        for item_id in ("head", "e-2", "e-1"):
            _put(store, "audit", partition, item_id, type="x")
    expected = [(p, i) for p in ("a", "b", "c") for i in ("e-1", "e-2", "head")]
    for limit in (1, 2, 4, 9, 50):
        seen = [(item["scope"], item["id"]) for item in _walk(store, "audit", limit)]
        assert seen == expected, limit
    assert all("_etag" in item for item in _walk(store, "audit", 3))


def test_scan_page_continues_after_a_position_not_an_offset(store: Store) -> None:
    for partition in ("p1", "p2", "p3"):
        _put(store, "cases", partition, "case")
    first = store.scan_page("cases", limit=1)
    assert [i["caseId"] for i in first.items] == ["p1"] and first.continuation
    store.delete("cases", "p1", "case")  # removed before the next page: nothing shifts
    _put(store, "cases", "p0", "case")  # added before the position: not seen, not repeated
    rest = store.scan_page("cases", limit=10, continuation=first.continuation)
    assert [i["caseId"] for i in rest.items] == ["p2", "p3"] and rest.continuation is None


def test_scan_page_hides_expired_items_and_an_empty_container_is_one_empty_page(
    store: Store, clock: ManualClock
) -> None:
    assert store.scan_page("orgs", limit=5).items == []
    _put(store, "orgs", "o1", "a", ttl=60)
    _put(store, "orgs", "o1", "b")
    clock.advance(seconds=61)
    page = store.scan_page("orgs", limit=5)
    assert [i["id"] for i in page.items] == ["b"] and page.continuation is None


@pytest.mark.parametrize("token", ["not-base64!", "e30=", "eyJzIjogWzEsIDJdfQ=="])
def test_scan_page_refuses_forged_tokens(store: Store, token: str) -> None:
    with pytest.raises(InvalidContinuation):
        store.scan_page("cases", limit=5, continuation=token)


# -- the drill on SQLite + files and on Cosmos + Azurite ------------------------------------------


@dataclasses.dataclass
class Site:
    """One deployment's adapters: its store and documents, and the two backup containers."""

    world: RetentionWorld
    exports: BlobStore
    anchors: BlobStore
    fresh_store: Callable[[], Store]  # an empty store of the same adapter (the restore target)
    new_blobs: Callable[[], BlobStore]  # an empty blob container of the same adapter


def _site(request: pytest.FixtureRequest, adapter: str, tmp_path: Path) -> Site:
    clock = ManualClock()
    if adapter == "sqlite":
        from shared.adapters.sqlite import SqliteStore

        store: Any = SqliteStore(tmp_path / "casedesk.sqlite3", clock)
        blobs: Any = LocalBlobStore(tmp_path / "blobs")
        exports: Any = LocalBlobStore(tmp_path / "cosmos-exports")
        anchor_blobs: Any = LocalBlobStore(tmp_path / "audit-anchors")

        def fresh() -> Store:
            return SqliteStore(tmp_path / f"restored-{uuid.uuid4().hex}.sqlite3", clock)

        def container(prefix: str) -> Any:
            return LocalBlobStore(tmp_path / f"{prefix}{uuid.uuid4().hex}")

    else:
        from shared.adapters.azure_blob import AzureBlobStore, emulator_credential
        from shared.adapters.cosmos import CosmosStore
        from tests.fixtures.cosmos_server import emulator_client_kwargs

        url, key = request.getfixturevalue("cosmos_endpoint")
        blob_url = request.getfixturevalue("azurite_blob_url")

        def fresh() -> Store:
            cosmos = CosmosStore(url, f"b-{uuid.uuid4().hex}", key, clock, **emulator_client_kwargs())
            cosmos.ensure_containers()
            return cosmos

        def container(prefix: str) -> Any:
            made = AzureBlobStore(blob_url, f"{prefix}{uuid.uuid4().hex[:20]}", emulator_credential())
            made.ensure_container()
            return made

        store, blobs, exports, anchor_blobs = fresh(), container("d"), container("e"), container("a")
    ports = bootstrap.use(
        store=store,
        blobs=blobs,
        key_ring=LocalKeyFile(tmp_path / "keys" / "kek.json"),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
        environment=Environment.DEVELOPMENT,
    )
    return Site(RetentionWorld.seeded(ports), exports, anchor_blobs, fresh, lambda: container("x"))


@pytest.fixture(params=["sqlite", "cosmos"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    yield _site(request, request.param, tmp_path)
    bootstrap.reset()


def _restore_target(site: Site) -> Ports:
    """An empty store of the same adapter holding only the live ``keys`` (as a Cosmos restore
    into a new account would, with the keys container copied or point-in-time restored), on
    the same documents, key ring and clock."""
    target: Store = site.fresh_store()
    source = site.world.ports
    for key in _walk(source.store, "keys", 100):
        target.create("keys", {k: v for k, v in key.items() if not k.startswith("_")})
    keys = CaseKeys(target, source.key_ring, source.clock)
    return dataclasses.replace(source, store=target, case_keys=keys, cipher=CaseCipher(keys))


def _stored(store: Store, containers: tuple[str, ...]) -> dict[str, Item]:
    return {
        f"{c}/{item[CONTAINERS[c]]}/{item['id']}": {k: v for k, v in item.items() if not k.startswith("_")}
        for c in containers
        for item in _walk(store, c, 500)
    }


def _note_text(ports: Ports, world: RetentionWorld, case_id: str) -> list[str]:
    """The bodies of the employee's notes of a case, decrypted (one audited read each)."""
    caller = Caller.user(world.people["employee"], f"req-{uuid.uuid4().hex[:12]}", case_id=case_id)
    listed = notes.listing(ports, caller, case_id)
    return sorted(str(notes.read(ports, caller, case_id, n["id"])["body"]) for n in listed)


def test_export_purge_restore_drill(site: Site) -> None:
    world = site.world
    keep = world.full_case(docs=1, note_count=2, days=2)
    doomed = due_case(world)  # closed, aged, noticed: the next retention run purges it
    keep_notes = _note_text(world.ports, world, keep)
    assert keep_notes == ["vertraulich", "vertraulich"]
    settle(world.ports)  # the reads' audit events into their chains
    published = anchors.publish(world.ports.store, site.anchors, world.ports.clock)
    before = _stored(world.ports.store, export.EXPORTED)

    report = export.run(world.ports.store, site.exports, world.ports.clock, part_bytes=4096, page=7)
    assert report.state == "complete" and report.parts > len(export.EXPORTED)  # several parts
    assert report.items == len(before)
    manifest = export.read_manifest(site.exports, report.day)
    assert set(manifest["containers"]) == set(export.EXPORTED)
    assert not {"keys", "sessions"} & set(manifest["containers"])
    exported_names = list(site.exports.list())
    assert not any("/keys/" in n or "/sessions/" in n for n in exported_names)
    assert export.run(world.ports.store, site.exports, world.ports.clock).state == "already"

    assert purge.run(world.ports).purged == 1  # after the export: the export still holds X
    settle(world.ports)
    assert leftovers(world.ports, doomed) == []

    target = _restore_target(site)
    done = restore.restore(target, site.exports, report.day)
    settle(target)
    assert done.replayed_purges == [doomed]
    # X: a tombstone again, its items gone, its ciphertext without a key; 410 for everyone.
    assert leftovers(target, doomed) == []
    assert target.store.read("cases", doomed, "case")["status"] == "purged"
    with pytest.raises(KeyUnavailable):
        target.case_keys.get(doomed)
    sealed = next(  # X's exported ciphertext: nothing opens it any more
        item for item in _exported(site.exports, report.day, "cases")
        if item["caseId"] == doomed and item.get("type") == "note"
    )  # fmt: skip
    with pytest.raises(KeyUnavailable):
        target.cipher.decrypt_field(doomed, "cases", sealed["id"], "body", sealed["bodySealed"])
    # Every other case is back as it was, and reads, with its encrypted content.
    after = _stored(target.store, export.EXPORTED)
    same = {k for k, v in before.items() if doomed not in json.dumps(v) and not k.startswith("audit/")}
    assert {k: before[k] for k in same} == {k: after.get(k) for k in same}
    assert _note_text(target, world, keep) == keep_notes
    results = AuditLog(target.store, target.clock).verify_all(
        {s: (a.seq, a.hash) for s, a in published.chains.items()}
    )
    assert all(r.ok for r in results), [p for r in results for p in r.problems]


def test_a_restore_goes_into_an_empty_store_only(site: Site) -> None:
    world = site.world
    world.full_case(docs=1, note_count=1, days=1)
    day = export.run(world.ports.store, site.exports, world.ports.clock).day
    with pytest.raises(Conflict, match="not empty"):
        restore.restore(world.ports, site.exports, day)


def test_an_export_that_dies_anywhere_is_finished_by_the_next_run_with_the_same_parts(site: Site) -> None:
    """Crash at several points (our own failing port wrapper), rerun: the parts and the manifest
    are exactly those of an export that never failed, and no item is written twice."""
    world = site.world
    world.full_case(docs=1, note_count=2, days=3)
    clean = site.new_blobs()
    reference = export.run(world.ports.store, clean, world.ports.clock, part_bytes=2048, page=5)
    expected = {n: clean.get(n) for n in clean.list() if not n.endswith(("state.json", "manifest.json"))}
    probe = FailingPorts(world.ports.store, site.new_blobs(), None)
    export.run(probe.store, probe.blobs, world.ports.clock, part_bytes=2048, page=5)
    length = probe.calls
    for step in sorted({1, 3, length // 3, length // 2, length - 2}):
        target = site.new_blobs()
        fault = FailingPorts(world.ports.store, target, step)
        with pytest.raises(Exception, match="injected failure"):
            export.run(fault.store, fault.blobs, world.ports.clock, part_bytes=2048, page=5)
        again = export.run(world.ports.store, target, world.ports.clock, part_bytes=2048, page=5)
        assert again.state == "complete", step
        assert (again.items, again.parts) == (reference.items, reference.parts), step
        parts = {n: target.get(n) for n in target.list() if not n.endswith(("state.json", "manifest.json"))}
        assert parts == expected, step
        lines = [line for data in parts.values() for line in gzip.decompress(data).splitlines()]
        assert len(lines) == len(set(lines)) == reference.items, step


def _exported(exports: BlobStore, day: str, container: str) -> Iterator[Item]:
    for part in export.read_manifest(exports, day)["containers"][container]["parts"]:
        yield from export.read_part(exports, part)


def test_an_export_stops_at_its_budget_and_the_next_run_carries_on(site: Site) -> None:
    world = site.world
    world.full_case(docs=1, note_count=1, days=1)
    ticks = iter(range(0, 10_000, 10))
    first = export.run(
        world.ports.store, site.exports, world.ports.clock, part_bytes=1024, page=5,
        budget_seconds=25, monotonic=lambda: float(next(ticks)),
    )  # fmt: skip
    assert first.state == "partial" and first.parts >= 1
    with pytest.raises(Exception, match="no finished export"):
        export.read_manifest(site.exports, first.day)
    second = export.run(world.ports.store, site.exports, world.ports.clock, part_bytes=1024, page=5)
    assert second.state == "complete" and second.items == len(_stored(world.ports.store, export.EXPORTED))


# -- the anchors ----------------------------------------------------------------------------------


def _rewrite_chain(store: Store, scope: str) -> None:
    """What someone with write access to the store could do: change an event's reason and
    recompute every hash after it and the head, so the chain is consistent in itself."""
    from shared.audit.events import chain_hash

    events = [i for i in _walk(store, "audit", 500) if i["scope"] == scope and i.get("type") == "audit-event"]
    events.sort(key=lambda e: int(e["seq"]))
    prev = events[0]["prevHash"]
    for index, event in enumerate(events):
        body = {k: v for k, v in event.items() if not k.startswith("_")}
        if index == 0:
            body["reason"] = "nothing to see here"
        body["prevHash"] = prev
        body["hash"] = chain_hash(body)
        prev = body["hash"]
        store.upsert("audit", body)
    head = store.read("audit", scope, "head")
    store.upsert("audit", {**{k: v for k, v in head.items() if not k.startswith("_")}, "hash": prev})


def test_a_consistent_rewrite_of_a_whole_chain_is_caught_by_the_anchors(site: Site) -> None:
    world = site.world
    case_id = world.full_case(docs=1, note_count=1, days=1)
    published = anchors.publish(world.ports.store, site.anchors, world.ports.clock)
    assert anchors.latest(site.anchors) == published
    log = AuditLog(world.ports.store, world.ports.clock)
    heads = {s: (a.seq, a.hash) for s, a in published.chains.items()}
    assert all(r.ok for r in log.verify_all(heads))
    scope = f"case-{case_id}"
    _rewrite_chain(world.ports.store, scope)
    assert all(r.ok for r in log.verify_all()), "the chain alone cannot tell"
    caught = {r.scope: r.problems for r in log.verify_all(heads) if not r.ok}
    assert list(caught) == [scope]
    assert any("anchor mismatch" in p for p in caught[scope])


def test_a_chain_cut_short_or_deleted_since_its_anchor_is_caught(site: Site) -> None:
    world = site.world
    case_id = world.full_case(docs=1, note_count=1, days=1)
    published = anchors.publish(world.ports.store, site.anchors, world.ports.clock)
    heads = {s: (a.seq, a.hash) for s, a in published.chains.items()}
    store = world.ports.store
    scope = f"case-{case_id}"
    chain = [i for i in _walk(store, "audit", 500) if i["scope"] == scope]
    last = max((i for i in chain if i.get("type") == "audit-event"), key=lambda e: int(e["seq"]))
    store.delete("audit", scope, last["id"])  # the tail, and the head moved back consistently
    previous = store.read("audit", scope, f"e-{int(last['seq']) - 1:012d}")
    head = store.read("audit", scope, "head")
    store.upsert("audit", {**{k: v for k, v in head.items() if not k.startswith("_")},
                           "seq": previous["seq"], "hash": previous["hash"]})  # fmt: skip
    log = AuditLog(store, world.ports.clock)
    assert all(r.ok for r in log.verify_all()), "the chain alone cannot tell"
    assert [r.scope for r in log.verify_all(heads) if not r.ok] == [scope]
    for item in _walk(store, "audit", 500):  # now the whole chain
        if item["scope"] == scope:
            store.delete("audit", scope, item["id"])
    gone = [r for r in log.verify_all(heads) if not r.ok]
    assert [r.scope for r in gone] == [scope] and "the chain is gone" in gone[0].problems[0]


def test_the_cli_compares_with_the_newest_anchors(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    world = site.world
    case_id = world.full_case(docs=1, note_count=1, days=1)
    bootstrap.use_blob_container("AUDIT_ANCHOR_CONTAINER", site.anchors)
    assert cli.main(["publish-anchors"]) == 0
    assert cli.main(["verify-audit", "--all"]) == 0
    _rewrite_chain(world.ports.store, f"case-{case_id}")
    capsys.readouterr()
    assert cli.main(["verify-audit", "--all", "--anchors", "none"]) == 0
    assert cli.main(["verify-audit", "--all"]) == 2
    assert "anchor mismatch" in capsys.readouterr().out


def test_anchor_sets_are_written_once(site: Site) -> None:
    site.world.full_case(docs=1, note_count=1, days=1)
    published = anchors.publish(site.world.ports.store, site.anchors, site.world.ports.clock)
    data = site.anchors.get(published.name)
    lines = [json.loads(line) for line in gzip.decompress(data).splitlines()]
    assert [line["scope"] for line in lines] == sorted(published.chains)
    assert set(lines[0]) == {"scope", "seq", "hash"}  # ids and hashes, no content
    with pytest.raises(Exception, match="exists"):
        site.anchors.put(published.name, b"rewritten")
