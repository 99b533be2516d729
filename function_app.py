"""The Function App: one Blueprint per capability. No I/O beyond reading our own sources and no
required setting here — an import-time failure would make every function disappear on Azure
(ARCHITECTURE §2).

Every function is registered, but its module is imported on its first call (functions/lazy.py):
a cold start imports ``azure.functions`` and a generated table, not every service and model.
After adding, removing or changing a function, run ``python -m functions.lazy`` (until then the
functions are registered by importing every module, as before, and a unit test says so).
"""

import azure.functions as func

from functions import lazy
from shared.config import is_development

#: The modules under ``functions/`` whose blueprint ``bp`` is registered, in this order (the
#: frontend's catch-all route last). ``dev`` is registered in development only.
BLUEPRINTS: tuple[str, ...] = (
    "health",
    "auth",
    "entra",
    "orgs",
    "me",
    "cases",
    "audit",
    "breakglass",
    "support",
    "documents",
    "notes",
    "reflections",
    "reports",
    "export",
    "evaluations",
    "messages",
    "sharing",
    "notifications",
    "timers",
    "mail",
    "openapi",
    "dev",
    "web",
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
lazy.register(app, BLUEPRINTS, development=is_development())
