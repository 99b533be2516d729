"""The Function App: one Blueprint per capability. No I/O and no required setting here — an
import-time failure would make every function disappear on Azure (ARCHITECTURE §2)."""

import azure.functions as func

from functions import (
    audit,
    auth,
    cases,
    dev,
    documents,
    health,
    mail,
    me,
    notes,
    notifications,
    openapi,
    orgs,
    sharing,
    timers,
    web,
)
from shared.config import is_development

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

app.register_functions(health.bp)
app.register_functions(auth.bp)
app.register_functions(orgs.bp)
app.register_functions(me.bp)
app.register_functions(cases.bp)
app.register_functions(audit.bp)
app.register_functions(documents.bp)
app.register_functions(notes.bp)
app.register_functions(sharing.bp)
app.register_functions(notifications.bp)
app.register_functions(timers.bp)
app.register_functions(mail.bp)
app.register_functions(openapi.bp)
if is_development():
    app.register_functions(dev.bp)
# Last: the frontend's catch-all route.
app.register_functions(web.bp)
