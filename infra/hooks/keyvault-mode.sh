#!/bin/sh
# azd preprovision hook: recover-or-new for the Key Vault, and "does the KEK exist yet?".
#
# The vault is purge-protected: after `azd down` it stays soft-deleted for 90 days and keeps its
# name, so a new vault of that name cannot be created. The template recovers it instead (with the
# KEK in it, so backups stay readable) when CASEDESK_KEYVAULT_RECOVER is true. This hook sets that
# flag from what Azure reports, and CASEDESK_KEK_EXISTS once the KEK secret exists (the template
# then grants the app read access to that one secret). Both are read through the control plane
# (`az keyvault show`, `az resource show`): the deployer needs no data-plane role on the vault.
#
# Without the Azure CLI, or signed out of it, nothing is changed: set the two values by hand
# (docs/operations.md, "First azd up"). Decision record: docs/decisions/023-redeploys.md.
set -eu

kek_secret="${KEK_SECRET_NAME:-casedesk-kek}"
vault="${KEYVAULT_NAME:-}"

if [ -z "$vault" ]; then
  echo "keyvault-mode: first provisioning of this environment: a new Key Vault."
  exit 0
fi
if ! command -v az >/dev/null 2>&1 || ! az account show --output none >/dev/null 2>&1; then
  echo "keyvault-mode: Azure CLI missing or signed out; CASEDESK_KEYVAULT_RECOVER and CASEDESK_KEK_EXISTS left as they are." >&2
  exit 0
fi

if vault_id=$(az keyvault show --name "$vault" --query id --output tsv 2>/dev/null) && [ -n "$vault_id" ]; then
  azd env set CASEDESK_KEYVAULT_RECOVER false
  if az resource show --ids "$vault_id/secrets/$kek_secret" --query id --output tsv >/dev/null 2>&1; then
    azd env set CASEDESK_KEK_EXISTS true
    echo "keyvault-mode: $vault exists and holds $kek_secret."
  else
    azd env set CASEDESK_KEK_EXISTS false
    echo "keyvault-mode: $vault exists; $kek_secret not created yet (docs/infra.md, 'After provisioning: create the KEK')."
  fi
elif az keyvault show-deleted --name "$vault" --query id --output tsv >/dev/null 2>&1; then
  azd env set CASEDESK_KEYVAULT_RECOVER true
  echo "keyvault-mode: $vault is soft-deleted: it will be recovered, with its KEK."
else
  azd env set CASEDESK_KEYVAULT_RECOVER false
  azd env set CASEDESK_KEK_EXISTS false
  echo "keyvault-mode: $vault no longer exists (purged): a new, empty Key Vault."
fi
