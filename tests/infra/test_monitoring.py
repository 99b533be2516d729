"""Monitoring that reaches someone (issue 27): an action group that mails the operators, alert
rules for what must never go unnoticed, every one of them in the runbook, diagnostic logs of every
data service to Log Analytics for a year, and a host that logs every function run."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

import pytest

from tests.infra import iac
from tests.infra.bicep import ENTRY, BicepProject, Resource, dotted

ALERTS = "modules/alerts.bicep"
OPERATIONS_MD = (iac.ROOT / "docs" / "operations.md").read_text(encoding="utf-8")

#: What the issue asks to be alerted on, by rule name (docs/operations.md names each).
REQUIRED_ALERTS = {
    "audit-verify-failed",
    "retention-failed",
    "retention-not-running",
    "http-5xx-rate",
    "sign-in-failures",
    "backup-job-failed",
    "keyvault-access-denied",
    "cosmos-throttled",
    # issue 26: the daily store export and the audit anchors
    "export-failed",
    "export-not-running",
    "audit-anchor-failed",
    "audit-anchor-not-running",
}

#: Resource type the diagnostic setting is attached to → what it must send.
DIAGNOSTICS: dict[str, dict[str, Any]] = {
    "Microsoft.DocumentDB/databaseAccounts": {"categories": {"DataPlaneRequests"}, "dedicated": True},
    "Microsoft.Storage/storageAccounts/blobServices": {
        "categories": {"StorageRead", "StorageWrite", "StorageDelete"},
        "files": {"modules/data-storage.bicep", "modules/host-storage.bicep"},
    },
    "Microsoft.DataProtection/backupVaults": {"groups": {"allLogs"}, "dedicated": True},
    "Microsoft.Communication/communicationServices": {
        "categories": {"EmailSendMailOperational"},
        "dedicated": True,
    },
    "Microsoft.Web/sites": {"categories": {"FunctionAppLogs"}},
    "Microsoft.KeyVault/vaults": {"groups": {"audit"}},
}
#: ACS categories that name the recipient's address: personal data stays out of the logs.
PERSONAL_MAIL_CATEGORIES = {"EmailStatusUpdateOperational", "EmailUserEngagementOperational"}


@pytest.fixture(scope="module")
def alerts(project: BicepProject) -> dict[str, dict[str, Any]]:
    rules = project.variable(ALERTS, "alerts")
    return {rule["name"]: rule for rule in rules}


def _timer_functions() -> set[str]:
    tree = ast.parse((iac.ROOT / "functions" / "timers.py").read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any("timer_trigger" in ast.unparse(d) for d in node.decorator_list)
    }


def _route_names(module: str) -> set[str]:
    source = (iac.ROOT / "functions" / f"{module}.py").read_text(encoding="utf-8")
    return set(re.findall(r'\bname="([a-z_]+)"', source))


def _scope_type(project: BicepProject, setting: Resource) -> str:
    return project.symbol(setting.file, setting.get("scope")).type


def _comes_from_the_workspace(project: BicepProject, file: str, expr: Any) -> None:
    """``expr`` in ``file`` is the ``workspaceId`` parameter that main.bicep sets from the
    monitoring module's workspace, in every call."""
    assert expr == "workspaceId", (file, expr)
    calls = [params for caller, params in project.module_calls(file) if caller == ENTRY]
    assert calls, f"{file} is not deployed from {ENTRY}"
    for params in calls:
        assert dotted(params["workspaceId"]) == "monitoring.outputs.workspaceId", (file, params)


# -- the action group ---------------------------------------------------------------------------


def test_action_group_mails_every_operator_named_at_deployment(project: BicepProject) -> None:
    group = project.only("Microsoft.Insights/actionGroups")
    assert group.get("properties.enabled") is True
    assert len(group.get("properties.groupShortName")) <= 12
    receivers = group.get("properties.emailReceivers")
    assert receivers["loop_type"]["detail"]["item_name"] == "address"
    assert "split" in receivers["loop_type"]["detail"]["array_name"]
    assert "alertEmails" in receivers["loop_type"]["detail"]["array_name"]
    assert receivers["config"]["emailAddress"]["function"]["type"] == "trim"
    assert receivers["config"]["useCommonAlertSchema"] is True
    # Required at the entry point (no default: azd asks), and never empty.
    entry = project.parameter(ENTRY, "alertEmails")
    assert entry.get("default") is None
    assert project.decorator(ENTRY, "alertEmails", "min_length") >= 3
    ((_, params),) = project.module_calls(ALERTS)
    assert params["alertEmails"] == "alertEmails"
    parameters = json.loads((iac.INFRA / "main.parameters.json").read_text(encoding="utf-8"))
    assert parameters["parameters"]["alertEmails"]["value"] == "${CASEDESK_ALERT_EMAILS}"


# -- the alert rules ----------------------------------------------------------------------------


def test_every_alert_the_issue_asks_for_exists(alerts: dict[str, dict[str, Any]]) -> None:
    assert set(alerts) >= REQUIRED_ALERTS
    for name, rule in alerts.items():
        assert rule["severity"] in (0, 1, 2), name
        assert "docs/operations.md" in rule["description"], name
        assert rule["query"].strip(), name


def test_every_rule_queries_the_workspace_and_calls_the_action_group(project: BicepProject) -> None:
    rules = project.only("Microsoft.Insights/scheduledQueryRules")
    assert rules.looped and rules.file == ALERTS
    props = rules.config["properties"]
    assert props["enabled"] is True
    _comes_from_the_workspace(project, ALERTS, props["scopes"][0])
    assert len(props["scopes"]) == 1
    (action,) = props["actions"]["actionGroups"]
    assert dotted(action) == "operators.id"
    (criterion,) = props["criteria"]["allOf"]
    assert dotted(criterion["query"]) == "alert.query" and dotted(criterion["operator"]) == "alert.operator"
    assert dotted(criterion["threshold"]) == "alert.threshold" and criterion["timeAggregation"] == "Count"


def test_timer_alerts_name_the_real_timer_functions(
    project: BicepProject, alerts: dict[str, dict[str, Any]]
) -> None:
    """A renamed timer would silence its alert: the names must be functions of functions/timers.py."""
    timers = _timer_functions()
    for param, rules in (
        ("auditVerifyFunction", ("audit-verify-failed", "audit-verify-not-running")),
        ("retentionFunction", ("retention-failed", "retention-not-running")),
        ("relayFunction", ("relay-failing",)),
        ("exportFunction", ("export-failed",)),
        ("anchorFunction", ("audit-anchor-failed", "audit-anchor-not-running")),
    ):
        (name,) = project.resolve(ALERTS, param)
        assert name in timers, f"{param}={name!r} is no timer in functions/timers.py ({sorted(timers)})"
        for rule in rules:
            assert f'Name == "${{{param}}}"' in alerts[rule]["query"], rule
    assert "audit.tampered" in alerts["audit-verify-failed"]["query"]
    assert "Success == false" in alerts["retention-failed"]["query"]


@pytest.mark.parametrize(
    "rule", ["retention-not-running", "audit-verify-not-running", "audit-anchor-not-running"]
)
def test_a_timer_that_stops_running_is_noticed_within_26_hours(
    alerts: dict[str, dict[str, Any]], rule: str
) -> None:
    alert = alerts[rule]
    assert "ago(26h)" in alert["query"] and "Success == true" in alert["query"]
    assert (alert["operator"], alert["threshold"]) == ("LessThan", 1)  # no successful run at all
    assert alert["window"] in ("P2D", "PT48H")  # the window must reach back past 26 hours
    assert alert["frequency"] == "PT1H"


def test_an_export_that_does_not_complete_for_26_hours_is_noticed(alerts: dict[str, dict[str, Any]]) -> None:
    """Not "the timer ran" (it runs hourly, and a partial run succeeds) but "a day's export was
    completed": the log line the export writes only with its manifest (shared/backup/export.py)."""
    alert = alerts["export-not-running"]
    assert alert["query"].startswith("AppTraces") and "ago(26h)" in alert["query"]
    assert '"backup.exported"' in alert["query"]
    assert (alert["operator"], alert["threshold"], alert["window"]) == ("LessThan", 1, "P2D")
    source = (iac.ROOT / "shared" / "backup" / "export.py").read_text(encoding="utf-8")
    assert source.count('"backup.exported"') == 1


def test_request_alerts_read_the_function_runs(alerts: dict[str, dict[str, Any]]) -> None:
    http = alerts["http-5xx-rate"]["query"]
    assert http.startswith("AppRequests") and "toint(ResultCode) >= 500" in http
    sign_in = alerts["sign-in-failures"]["query"]
    names = set(re.findall(r'"([a-z_]+)"', sign_in))
    assert names and names <= _route_names("auth"), names
    assert "login" in names
    assert {"401", "429"} <= set(re.findall(r"\b(\d{3})\b", sign_in))


def test_service_alerts_read_the_tables_their_diagnostic_settings_fill(
    project: BicepProject, alerts: dict[str, dict[str, Any]]
) -> None:
    """Resource-specific tables exist only with the Dedicated destination; Key Vault's audit log
    goes to AzureDiagnostics, which the access-denied rule reads."""
    settings = {
        _scope_type(project, s): s for s in project.resources("Microsoft.Insights/diagnosticSettings")
    }
    dedicated = {
        kind: s.config["properties"].get("logAnalyticsDestinationType") == "Dedicated"
        for kind, s in settings.items()
    }
    assert alerts["backup-job-failed"]["query"].startswith("AddonAzureBackupJobs")
    assert dedicated["Microsoft.DataProtection/backupVaults"]
    assert alerts["cosmos-throttled"]["query"].startswith("CDBDataPlaneRequests")
    assert "StatusCode == 429" in alerts["cosmos-throttled"]["query"]
    assert dedicated["Microsoft.DocumentDB/databaseAccounts"]
    assert alerts["keyvault-access-denied"]["query"].startswith("AzureDiagnostics")
    assert "httpStatusCode_d == 403" in alerts["keyvault-access-denied"]["query"]
    assert not dedicated["Microsoft.KeyVault/vaults"]


def test_every_alert_is_in_the_runbook(alerts: dict[str, dict[str, Any]]) -> None:
    section = OPERATIONS_MD[OPERATIONS_MD.index("## 7. Alerts") :]
    for name in alerts:
        assert f"`{name}`" in section, f"docs/operations.md does not say what to do on {name}"
    assert "CASEDESK_ALERT_EMAILS" in OPERATIONS_MD


# -- diagnostic settings ------------------------------------------------------------------------


def test_every_data_service_sends_its_logs_to_log_analytics(project: BicepProject) -> None:
    settings = project.resources("Microsoft.Insights/diagnosticSettings")
    by_type: dict[str, list[Resource]] = {}
    for setting in settings:
        by_type.setdefault(_scope_type(project, setting), []).append(setting)
    assert set(by_type) == set(DIAGNOSTICS)
    for kind, expected in DIAGNOSTICS.items():
        found = by_type[kind]
        assert {s.file for s in found} == expected.get("files", {found[0].file}), kind
        for setting in found:
            assert not setting.conditional, setting
            props = setting.config["properties"]
            _comes_from_the_workspace(project, setting.file, props["workspaceId"])
            logs = props["logs"]
            assert all(entry["enabled"] is True for entry in logs), setting
            categories = {entry["category"] for entry in logs if "category" in entry}
            groups = {entry["categoryGroup"] for entry in logs if "categoryGroup" in entry}
            assert categories >= expected.get("categories", set()), (kind, categories)
            assert groups >= expected.get("groups", set()), (kind, groups)
            if expected.get("dedicated"):
                assert props["logAnalyticsDestinationType"] == "Dedicated", kind
            assert not categories & PERSONAL_MAIL_CATEGORIES, (kind, categories)


def test_logs_are_kept_at_least_a_year(project: BicepProject) -> None:
    workspace = project.only("Microsoft.OperationalInsights/workspaces")
    (days,) = project.resolve(workspace.file, workspace.get("properties.retentionInDays"))
    assert days >= 365
    assert project.decorator(workspace.file, "retentionInDays", "min_value") >= 365


# -- the host -----------------------------------------------------------------------------------


def test_host_logs_every_function_run() -> None:
    """Host.Results writes the AppRequests rows the alerts count (at Error, only failures would
    appear, and a 5xx answer is a successful run)."""
    host = json.loads((iac.ROOT / "host.json").read_text(encoding="utf-8"))
    assert host["logging"]["logLevel"]["Host.Results"] == "Information"
    excluded = host["logging"]["applicationInsights"]["samplingSettings"]["excludedTypes"].split(";")
    assert "Request" in excluded  # runs are never sampled away: the alerts count them
