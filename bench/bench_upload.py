"""A 25 MiB document upload and download over HTTP through the dev host, against their floor,
in one run (issue 13: upload ≥ 0.8 of its floor, peak memory ≤ 2× the document).

* upload: ``POST /api/cases/{caseId}/documents`` (multipart: the file, a title, a category) as
  the case's employee — session, CSRF, access check, multipart, content validation, AES-256-GCM
  under the case key, the fsync'd blob write, the metadata item and its audit event.
* floor: the same bytes ``POST``-ed to the dev host's ``/admin/discard`` (reads the body as a
  function gets it and does nothing else: the HTTP transfer and the server), plus a raw
  ``AESGCM.encrypt`` of the document, plus a raw write of the ciphertext with ``fsync`` — the
  work no upload can avoid. **ratio = floor / upload** (1.0: the upload costs only its floor).
* download: ``GET …/documents/{docId}/content`` (read, decrypt, send), shown in absolute time.
* peak memory: ``tracemalloc`` in this process, which runs the dev host (the same ``DevHostApp``
  on cheroot that ``python -m devhost`` serves, on a loopback port) and a client that sends from
  the bytes it already holds and receives into a buffer allocated beforehand, so what is traced
  is the server's work: the peak of traced bytes during the request above what was traced
  before it, divided by the document's size. Timed runs are not traced.

Why in-process: ``tracemalloc`` sees every allocation (a peak RSS would miss memory the allocator
reuses); the client adds no allocations of its own. Why ``/admin/discard``: the floor must cross
the same server and bridge as the upload; an admin route exists only on a loopback dev host
(never in the app, so it needs no permission) — ``GET /api/health/live`` takes no body.

Run: ``.venv/bin/python -m bench.bench_upload [--mib 25] [--reps 7]``; record in bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import os
import platform
import shutil
import statistics
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cheroot import wsgi as cheroot_wsgi
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bench.bench_load import COOKIE, User, build_identities, free_port
from devhost.allocator import keep_freed_memory
from devhost.invoke import Invoker
from devhost.loader import collect, load_app, queue_settings, route_prefix
from devhost.queues import QueueService
from devhost.timers import TimerService
from devhost.wsgi import DevHostApp
from shared.adapters.local_blob import LocalBlobStore

MiB = 1024 * 1024


@contextmanager
def devhost(port: int) -> Iterator[None]:
    """The dev host's WSGI app on cheroot in this process, as ``python -m devhost --no-timers``."""
    app, directory = load_app("function_app")
    https, timers, queues = collect(app)
    invoker = Invoker()
    queue_service = QueueService(queues, invoker, queue_settings(directory))
    wsgi_app = DevHostApp(
        https,
        TimerService(timers, invoker),
        invoker,
        route_prefix(directory),
        admin=True,
        queues=queue_service,
    )
    server = cheroot_wsgi.Server(("127.0.0.1", port), wsgi_app, numthreads=8, server_name="casedesk-devhost")
    server.prepare()
    thread = threading.Thread(target=server.serve, name="devhost", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.stop()
        invoker.close()


class Client:
    """One keep-alive connection; bodies are sent from the caller's bytes, answers read into
    ``sink`` (allocated once), so the client allocates next to nothing while it is traced."""

    def __init__(self, port: int, user: User, sink: bytearray) -> None:
        self.origin = f"http://127.0.0.1:{port}"
        self.user, self.sink, self.port = user, memoryview(sink), port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def reconnect(self) -> None:
        """A new connection: the server's worker drops the previous request (and the body it
        still references), so nothing of it is live when the next measurement starts."""
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        time.sleep(0.2)
        gc.collect()

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = "",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, int]:
        """(status, bytes received); the answer's bytes are in ``sink``."""
        headers = {"Cookie": f"{COOKIE}={self.user.token}", "Accept-Language": "en", **(headers or {})}
        if method != "GET":
            headers |= {"X-CSRF-Token": self.user.csrf, "Origin": self.origin}
        if content_type:
            headers["Content-Type"] = content_type
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        received = 0
        while chunk := response.readinto(self.sink[received:]):
            received += chunk
        return response.status, received

    def json(self, received: int) -> Any:
        return json.loads(bytes(self.sink[:received]))


def multipart(data: bytes) -> tuple[bytes, str]:
    boundary = os.urandom(16).hex()
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nBench\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nother\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def timed(op: Callable[..., object], *args: Any) -> float:
    started = time.perf_counter()
    op(*args)
    return time.perf_counter() - started


def traced_peak(client: Client, op: Callable[[], object]) -> int:
    """Bytes traced at the peak of ``op`` above what was traced before it (tracing is on), on a
    fresh connection."""
    client.reconnect()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    op()
    return tracemalloc.get_traced_memory()[1] - before


def main() -> None:  # noqa: PLR0915 - one linear script: build, start, measure, report
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=25)
    parser.add_argument("--reps", type=int, default=7, help="timed repetitions of each (7)")
    args = parser.parse_args()
    keep_freed_memory()  # before any thread, as ``python -m devhost`` does (docs/decisions/042)
    size = args.mib * MiB
    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    port = free_port()
    os.environ.update(
        {
            "CASEDESK_ENV": "development",
            "CASEDESK_DATA_DIR": str(work / "data"),
            "CASEDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "CASEDESK_MAX_UPLOAD_BYTES": str(max(size, 25 * MiB)),
        }
    )
    world = build_identities(2)  # one case: its employee uploads
    employee = next(u for u in world.users if u.role == "employee")
    case_id = employee.cases[0]
    document = b"%PDF-1.7\n" + os.urandom(size - 9)  # incompressible, like a scan
    body, content_type = multipart(document)
    sink = bytearray(size + MiB)
    aead, raw_file = AESGCM(os.urandom(32)), work / "data" / "raw-floor.bin"
    docs = f"/api/cases/{case_id}/documents"

    with devhost(port):
        client = Client(port, employee, sink)
        blobs = LocalBlobStore(work / "bench-blobs")

        def upload() -> tuple[str, str]:
            status, received = client.call("POST", docs, body, content_type)
            assert status == 201, (status, bytes(client.sink[:received]))
            view = client.json(received)
            return str(view["id"]), str(view["etag"])

        def delete(doc: tuple[str, str]) -> None:
            status, _ = client.call("DELETE", f"{docs}/{doc[0]}", headers={"If-Match": doc[1]})
            assert status == 204, status

        def discard() -> None:
            status, received = client.call("POST", "/admin/discard", body, content_type)
            assert status == 200 and client.json(received)["bytes"] == len(body), status

        def encrypt() -> bytes:
            return aead.encrypt(os.urandom(12), document, None)

        def write(sealed: bytes) -> None:
            with open(raw_file, "xb") as out:
                out.write(sealed)
                out.flush()
                os.fsync(out.fileno())

        def put(sealed: bytes) -> None:
            blobs.put("cases/bench/docs/d/v", sealed)

        def download(doc_id: str) -> None:
            status, received = client.call("GET", f"{docs}/{doc_id}/content")
            assert status == 200 and received == size, (status, received)

        rows: dict[str, list[float]] = {
            k: [] for k in ("upload", "discard", "aes", "fsync", "put", "download")
        }
        for rep in range(args.reps + 1):  # the first round warms up (imports, keys, schemas)
            # Interleaved, so drift hits every figure alike. Each write goes to storage the
            # previous round freed (its document deleted, its file unlinked, untimed) on both
            # sides: a new file among kept ones costs 30–600 ms on this shared disk, noise that
            # would drown what is measured here.
            started = time.perf_counter()
            doc = upload()
            figures = {"upload": time.perf_counter() - started}
            figures["discard"] = timed(discard)
            started = time.perf_counter()
            sealed = encrypt()
            figures["aes"] = time.perf_counter() - started
            figures["fsync"] = timed(write, sealed)
            figures["put"] = timed(put, sealed)
            figures["download"] = timed(download, doc[0])
            del sealed
            delete(doc)
            raw_file.unlink()
            blobs.delete("cases/bench/docs/d/v")
            for name, seconds in figures.items():
                if rep:
                    rows[name].append(seconds)
        doc = upload()  # for the traced download
        tracemalloc.start()
        try:
            peaks = {
                "upload": traced_peak(client, upload),
                "download": traced_peak(client, lambda: download(doc[0])),
                "discard (transfer alone)": traced_peak(client, discard),
            }
        finally:
            tracemalloc.stop()

    shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(v) * 1000 for k, v in rows.items()}
    floor = med["discard"] + med["aes"] + med["fsync"]
    pairs = [
        (d + a + f) / u
        for u, d, a, f in zip(rows["upload"], rows["discard"], rows["aes"], rows["fsync"], strict=True)
    ]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"document {args.mib} MiB (PDF), body {len(body):,} bytes, reps={args.reps} (medians, ms)")
    print(f"upload over HTTP:          {med['upload']:8.1f}")
    print(f"floor:                     {floor:8.1f}  =")
    print(f"  POST /admin/discard:     {med['discard']:8.1f}")
    print(f"  raw AES-GCM encrypt:     {med['aes']:8.1f}")
    print(f"  raw write + fsync:       {med['fsync']:8.1f}")
    pairwise = statistics.median(pairs)
    print(f"ratio floor/upload:        {floor / med['upload']:8.2f}  (pairwise median {pairwise:.2f})")
    print(f"(blob put alone:           {med['put']:8.1f}  LocalBlobStore.put, not in the floor)")
    print(f"download over HTTP:        {med['download']:8.1f}")
    for name, peak in peaks.items():
        print(f"peak memory {name}: {peak / size:.3f}× the document ({peak / MiB:.1f} MiB, tracemalloc)")


if __name__ == "__main__":
    main()
