"""The operator's documents say what the template does: the same deployer roles in infra.md and
operations.md, what the locks mean for `azd down`, and a first-`azd up` checklist."""

from __future__ import annotations

import re

from tests.infra import iac

INFRA_MD = (iac.ROOT / "docs" / "infra.md").read_text(encoding="utf-8")
OPERATIONS_MD = (iac.ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
# The template writes policy assignments, a role definition, role assignments and locks: all
# Microsoft.Authorization writes, which Contributor is denied and User Access Administrator holds.
DEPLOYER_ROLES = {"Owner", "Contributor", "User Access Administrator"}


def _between(text: str, start: str, end: str) -> str:
    begin = text.index(start)
    return text[begin : text.index(end, begin)]


def _bold_roles(text: str) -> set[str]:
    return set(re.findall(r"\*\*([A-Z][A-Za-z ]+?)\*\*", text))


def test_both_documents_name_the_same_deployer_roles() -> None:
    infra = _between(INFRA_MD, "- Roles of the person", "- The Azure CLI")
    operations = _between(OPERATIONS_MD, "1. First time per subscription", "\n2. ")
    assert _bold_roles(infra) == _bold_roles(operations) == DEPLOYER_ROLES
    for text in (infra, operations):
        assert "Contributor** + **User Access Administrator**" in " ".join(text.split())
    for text in (INFRA_MD, OPERATIONS_MD):  # no other combination anywhere
        assert "+ Resource Policy Contributor" not in text and "Contributor + Resource Policy" not in text


def test_locks_and_what_they_mean_for_azd_down_are_documented() -> None:
    section = _between(INFRA_MD, "## Locks, tearing down and redeploying", "**`azd up` again")
    for resource in ("Cosmos DB account", "documents storage account", "Key Vault", "Backup vault"):
        assert resource in section, resource
    assert "`CanNotDelete`" in section and "**`azd down` fails**" in section
    tear_down = _between(OPERATIONS_MD, "### Tear down", "## 2.")
    assert "az lock delete" in tear_down and "azd down" in tear_down
    assert "CASEDESK_KEYVAULT_RECOVER" in tear_down


def test_first_azd_up_checklist_separates_static_from_manual_checks() -> None:
    checklist = _between(OPERATIONS_MD, "### First `azd up`: checklist", "### Tear down")
    static = _between(checklist, "Checked statically", "Checked by hand")
    manual = checklist[checklist.index("Checked by hand") :]
    assert "make lint-infra" in static
    assert static.count("- [ ]") >= 5 and manual.count("- [ ]") >= 8
    for topic in (
        "az lock list",
        "policy assignment",
        "ProtectionConfigured",
        "disableLocalAuth",
        "secrets/casedesk-kek",
        "/api/health",
        "403",
    ):
        assert topic in manual, topic


def test_mail_role_is_described_as_it_is_built() -> None:
    assert "accepts no custom roles" not in INFRA_MD
    assert "Communication and Email Service Owner** on the one ACS resource" not in INFRA_MD
    for action in (
        "Microsoft.Communication/CommunicationServices/Read",
        "Microsoft.Communication/CommunicationServices/Write",
        "Microsoft.Communication/EmailServices/write",
    ):
        assert action in INFRA_MD


def test_upgrade_note_removes_the_grants_the_template_no_longer_makes() -> None:
    """Incremental deployments never delete: the vault-wide secret grant and the ACS owner role of
    older environments must be removed by hand, and the document says how."""
    note = INFRA_MD[INFRA_MD.index("**Environments provisioned before these changes.**") :]
    assert (
        'az role assignment delete --assignee "$APP" --role "Key Vault Secrets User" --scope "$VAULT_ID"'
        in note
    )
    assert '--role "Communication and Email Service Owner" --scope "$ACS_ID"' in note
