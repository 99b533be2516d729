"""A small local runner for the function app, for where Azure Functions Core Tools is missing.

It imports ``function_app``, enumerates ``app.get_functions()`` and serves the HTTP functions
through cheroot with the host's routing rules (``routePrefix`` from ``host.json``, ASP.NET route
precedence), runs timer functions on their NCRONTAB schedules, and runs them on demand through
``POST /admin/functions/<name>``, like the real host (``POST /admin/timers/<name>/run`` waits for
the run, for tests). Queue-triggered functions are fed from the
TaskQueue port with the host's retry rules (``extensions.queues`` in ``host.json``: visibility
timeout, ``maxDequeueCount``, ``<queue>-poison``), polled or drained on demand through
``POST /admin/queues/<queue>/drain``. Development only; never deployed.
Start it with ``python -m devhost`` (see ``devhost/__main__.py`` for the flags).
"""
