"""Azure-bound entry points: parse → authorize → call a service → respond. Thin by rule.

Imported before any route module (``function_app`` imports them through this package), so what
is set here holds for every model they declare: pydantic's plugin lookup (a scan of every
installed distribution's entry points when the first model is built) is switched off — CaseDesk
uses no pydantic plugin, and the scan is a measurable part of a cold start (issue 13,
bench/README.md). An explicit ``PYDANTIC_DISABLE_PLUGINS`` in the environment still wins.
"""

import os

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
