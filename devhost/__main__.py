"""``python -m devhost``: serve the function app locally, like ``func start`` would.

    python -m devhost [--host 127.0.0.1] [--port 7071] [--app function_app[:app]]
                      [--no-timers] [--no-queues] [--allow-remote] [--threads 8]
                      [--verbose] [--banner TEXT]

Once it serves, it prints where, then ``--banner`` (``make run``: the demo accounts) last, so
that nothing pushes them off the screen; ``--verbose`` lists every function before that.

The admin endpoints (``POST /admin/functions/<name>``, ``POST /admin/queues/<queue>/drain``) run
functions without any key, so they only exist on a loopback address; binding elsewhere needs
``--allow-remote`` and switches them off.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import socket
import sys
from types import FrameType
from urllib.parse import urlsplit

from cheroot import wsgi as cheroot_wsgi

from devhost.allocator import keep_freed_memory
from devhost.invoke import Invoker
from devhost.loader import (
    QueueSettings,
    QueueSpec,
    StartupError,
    TimerSpec,
    collect,
    load_app,
    queue_settings,
    route_prefix,
)
from devhost.queues import QueueService
from devhost.timers import TimerService
from devhost.wsgi import LOCAL_HOSTS, DevHostApp
from shared.config import validate
from shared.errors import ConfigurationError

log = logging.getLogger("devhost")
#: The Functions host's own limit on a request body (100 MB).
MAX_REQUEST_BODY = 100 * 1000 * 1000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devhost",
        description="Serve the function app locally, like `func start` would. Development only.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7071, help="port to bind (default: 7071, like func)")
    parser.add_argument("--app", default="function_app", help="module[:attribute] of the FunctionApp")
    parser.add_argument(
        "--no-timers",
        action="store_true",
        help="no scheduled (nor start-up) timer runs; /admin still runs them",
    )
    parser.add_argument(
        "--no-queues",
        action="store_true",
        help="do not poll the queues of queue functions; POST /admin/queues/<queue>/drain still runs them",
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --host (disables /admin)"
    )
    parser.add_argument("--threads", type=int, default=8, help="request worker threads (default: 8)")
    parser.add_argument("--verbose", action="store_true", help="list every route, timer and queue at start")
    parser.add_argument("--banner", default="", help="text to print last, once serving (make run: accounts)")
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a further host name requests may address (repeatable; local names are always allowed)",
    )
    return parser.parse_args(argv)


def is_loopback(host: str) -> bool:
    """True if every address ``host`` stands for is a loopback address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(str(i[4][0]).split("%")[0]).is_loopback for i in infos)


def allowed_hosts(args: argparse.Namespace) -> frozenset[str]:
    """The host names requests may address: the local ones, the one we listen on, the public
    URL's and any ``--allowed-host`` — nothing else (DNS rebinding, see DevHostApp)."""
    names = set(LOCAL_HOSTS) | {str(args.host).strip("[]").lower(), *(h.lower() for h in args.allowed_host)}
    public = urlsplit(os.environ.get("CASEDESK_PUBLIC_URL", "")).hostname
    if public:
        names.add(public.lower())
    names.discard("0.0.0.0")  # noqa: S104 - a bind address, never a name a client sends
    names.discard("::")
    return frozenset(names)


def preflight() -> None:
    """Validate CaseDesk's settings before serving, so that a refused configuration (e.g.
    production with the embedded store) stops here with its message instead of answering 503s."""
    validate()


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)  # unwinds the server's loop in the main thread, so the finally blocks run


def _log_functions(
    args: argparse.Namespace,
    prefix: str,
    wsgi_app: DevHostApp,
    *,
    timers: list[TimerSpec],
    queues: list[QueueSpec],
    settings: QueueSettings,
    admin: bool,
) -> None:
    base = _base_url(args)
    if not args.verbose:
        log.info(
            "%d routes (routePrefix %r), %d timers, %d queues; --verbose lists them",
            len(wsgi_app.table.routes),
            prefix,
            len(timers),
            len(queues),
        )
        return
    log.info("routePrefix %r; functions:", prefix)
    for route in wsgi_app.table.routes:
        methods = ",".join(sorted(route.methods)) if route.methods else "ALL"
        log.info("  %-24s [%s] %s/%s", route.target.function.name, methods, base, route.template)
    for timer in timers:
        state = "off (--no-timers)" if args.no_timers else "on"
        log.info("  %-24s timer %r, schedule %s", timer.function.name, timer.schedule.expression, state)
    for queue in queues:
        state = "off (--no-queues)" if args.no_queues else "on"
        log.info("  %-24s queue %r, polling %s", queue.function.name, queue.queue_name, state)
    if queues:
        log.info(
            "queues: maxDequeueCount %d, visibilityTimeout %d s, batchSize %d (host.json)",
            settings.max_dequeue_count,
            settings.visibility_timeout,
            settings.batch_size,
        )
    endpoints = f"{base}/admin/functions/<name>, {base}/admin/queues/<queue>/drain"
    log.info("admin endpoints: %s", endpoints if admin else "disabled (remote)")


def _configure_logging(*, verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not verbose:
        # A timer every 5 s would scroll the demo accounts away; its failures still show.
        logging.getLogger("devhost.timers").setLevel(logging.WARNING)


def _base_url(args: argparse.Namespace) -> str:
    return f"http://{f'[{args.host}]' if ':' in args.host else args.host}:{args.port}"


def _print_ready(args: argparse.Namespace) -> None:
    """Last on the screen, after the log: where to go, and the banner (how to sign in)."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    print(f"\nCaseDesk is running at {_base_url(args)}  (Ctrl+C stops it)", flush=True)
    if args.banner.strip():
        print(args.banner.rstrip(), flush=True)


def main(argv: list[str] | None = None) -> int:
    keep_freed_memory()  # before any thread: large request bodies reuse warm memory (decision 042)
    args = parse_args(argv)
    loopback = is_loopback(args.host)
    if not loopback and not args.allow_remote:
        print(
            f"devhost: refusing to bind {args.host!r}, which is not a loopback address; "
            "pass --allow-remote if you really mean it (the admin endpoint is then disabled)",
            file=sys.stderr,
        )
        return 2
    # Before the app is imported (in load_app), so that everything it reads sees this default.
    os.environ.setdefault("CASEDESK_ENV", "development")
    _configure_logging(verbose=args.verbose)
    log.warning(
        "*** DEVELOPMENT SERVER (CASEDESK_ENV=%s): no function keys, no TLS - NOT FOR PRODUCTION ***",
        os.environ["CASEDESK_ENV"],
    )

    try:
        preflight()
    except ConfigurationError as error:
        log.error("cannot start: %s", error)
        return 1

    try:
        app, directory = load_app(args.app)
        prefix = route_prefix(directory)
        https, timers, queues = collect(app)
        settings = queue_settings(directory)
        invoker = Invoker()
        timer_service = TimerService(timers, invoker)
        queue_service = QueueService(queues, invoker, settings)
        wsgi_app = DevHostApp(
            https,
            timer_service,
            invoker,
            prefix,
            admin=loopback,
            queues=queue_service,
            allowed_hosts=allowed_hosts(args),
        )
    except StartupError as error:
        log.error("cannot start: %s", error)
        return 1
    except Exception:
        log.exception("cannot start: importing %s failed", args.app)
        return 1

    try:
        # cheroot, not waitress: under 50 keep-alive clients waitress's select loop spins on
        # channels whose response a worker is still writing, and caps even a no-op route at
        # ~350 req/s with a core busy (measured, bench/README.md). cheroot hands idle keep-alive
        # connections to a selector and busy ones to its worker threads.
        # Bodies stay in memory (cheroot spools nothing to disk, unlike waitress); like the
        # Functions host, refuse any above 100 MB before reading them (the routes' own limits,
        # e.g. 25 MiB + form overhead for an upload, apply below that).
        server = cheroot_wsgi.Server(
            (args.host, args.port), wsgi_app, numthreads=args.threads, server_name="casedesk-devhost"
        )
        server.max_request_body_size = MAX_REQUEST_BODY
        server.prepare()  # binds now, so a taken port is reported here
    except OSError as error:
        log.error("cannot listen on %s:%s: %s", args.host, args.port, error)
        return 1
    _log_functions(args, prefix, wsgi_app, timers=timers, queues=queues, settings=settings, admin=loopback)

    if not args.no_timers:
        timer_service.start()
    if not args.no_queues:
        queue_service.start()
    signal.signal(signal.SIGTERM, _terminate)
    _print_ready(args)
    try:
        server.serve()  # returns on SIGINT/SIGTERM (KeyboardInterrupt / SystemExit from _terminate)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        log.info("stopping")
        timer_service.stop()
        queue_service.stop()
        server.stop()
        invoker.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
