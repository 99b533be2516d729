"""List and count routes at 10 / 100 / 1,000 items: time and store calls per request (issue 13:
time at 1,000 ≤ 3× time at 10, store calls constant).

In process, through each route's real entry point — the request plumbing (session cookie,
access check, declared query, the sealed continuation) around the handler, what the host runs —
on the embedded ``SqliteStore`` (a file in a temporary directory) wrapped in the test suite's
``CountingStore``. The data behind each list is seeded the way ``tests/unit/test_list_cost.py``
seeds it (the same routes, the same seeds). The first page is timed: the best of ``--reps``
requests after one warm-up (the minimum: on a shared machine other processes only add time).
``--limit 10`` (the default here) fills the page alike at every size, so only the number of items
behind the list varies; ``--limit 0`` uses each route's default page of 50 (at 10 items that page
holds 10, at 1,000 it holds 50: the time then also grows with the page).

Run: ``.venv/bin/python -m bench.bench_lists [--reps 21] [--sizes 10,100,1000] [--limit 10]``;
record the table in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import azure.functions as func

from functions import notifications as notification_routes
from shared import bootstrap
from shared.adapters.sqlite import SqliteStore
from shared.ports import Clock
from tests.unit.conftest import wire_counting
from tests.unit.test_list_cost import LIST_ROUTES, ListRoute, World, _notifications, _world, call, entry

#: The unread count: a count route, priced with the lists (one ``count`` whatever the number).
UNREAD = ListRoute(
    "notification_unread_count",
    notification_routes.bp,
    "doctor",
    "/api/me/notifications/unread-count",
    lambda _: {},
    _notifications,
    "unreadCount",
)


def measure(route: ListRoute, n: int, reps: int, root: Path, limit: int | None) -> tuple[float, int, int]:
    """(best ms, store calls, items on the page) of the route's first page with ``n`` items
    (``limit`` items a page; None: the route's default, 50)."""

    def sqlite(clock: Clock) -> SqliteStore:
        return SqliteStore(root / "store.sqlite3", clock)

    ports, store = wire_counting(root, sqlite)
    world: World = _world(ports, store)
    try:
        route.seed(world, n)
        if route is UNREAD:
            return _unread(world, reps)
        call(world, route, limit=limit)  # warm-up: key cache, SQLite page cache
        times = []
        calls = 0
        shown = 0
        for _ in range(reps):
            started = time.perf_counter()
            body, calls = call(world, route, limit=limit)
            times.append((time.perf_counter() - started) * 1000)
            shown = len(body[route.key])
        return min(times), calls, shown
    finally:
        bootstrap.reset()


def _unread(world: World, reps: int) -> tuple[float, int, int]:
    request = func.HttpRequest(
        "GET",
        f"http://localhost{UNREAD.path}",
        headers={"cookie": world.cookies[UNREAD.who]},
        body=b"",
    )
    handler = entry(UNREAD.bp, UNREAD.name)
    handler(request)
    times = []
    count = 0
    for _ in range(reps):
        world.store.reset()
        started = time.perf_counter()
        answer = handler(request)
        times.append((time.perf_counter() - started) * 1000)
        count = int(json.loads(answer.get_body())["unreadCount"])
    return min(times), len(world.store.calls), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--only", default="", help="comma-separated route names")
    parser.add_argument(
        "--limit", type=int, default=10,
        help="items a page (default 10: every size fills it alike, only N varies; 0: the route's 50)",
    )  # fmt: skip
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    routes = [*LIST_ROUTES, UNREAD]
    if args.only:
        routes = [r for r in routes if r.name in args.only.split(",")]
    print(f"| route | {' | '.join(f'ms @ {n}' for n in sizes)} | calls @ {' / '.join(map(str, sizes))} "
          f"| ms @ {sizes[-1]} / ms @ {sizes[0]} |")  # fmt: skip
    print("|---|" + "---|" * (len(sizes) + 2))
    for route in routes:
        results = []
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix="bench-lists-") as tmp:
                results.append(measure(route, n, args.reps, Path(tmp), args.limit or None))
        times = " | ".join(f"{ms:.2f}" for ms, _, _ in results)
        calls = " / ".join(str(c) for _, c, _ in results)
        ratio = results[-1][0] / results[0][0]
        print(f"| {route.name} | {times} | {calls} | {ratio:.2f} |", flush=True)


if __name__ == "__main__":
    main()
