# azd preprovision hook on Windows: the same logic as keyvault-mode.sh (read that file's header).
$ErrorActionPreference = 'Stop'
$kekSecret = if ($env:KEK_SECRET_NAME) { $env:KEK_SECRET_NAME } else { 'casedesk-kek' }
$vault = $env:KEYVAULT_NAME

if (-not $vault) {
  Write-Host 'keyvault-mode: first provisioning of this environment: a new Key Vault.'
  exit 0
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
  Write-Warning 'keyvault-mode: Azure CLI missing; CASEDESK_KEYVAULT_RECOVER and CASEDESK_KEK_EXISTS left as they are.'
  exit 0
}
az account show --output none 2>$null
if ($LASTEXITCODE -ne 0) {
  Write-Warning 'keyvault-mode: signed out of the Azure CLI; CASEDESK_KEYVAULT_RECOVER and CASEDESK_KEK_EXISTS left as they are.'
  exit 0
}

$vaultId = az keyvault show --name $vault --query id --output tsv 2>$null
if ($LASTEXITCODE -eq 0 -and $vaultId) {
  azd env set CASEDESK_KEYVAULT_RECOVER false
  az resource show --ids "$vaultId/secrets/$kekSecret" --query id --output tsv 2>$null | Out-Null
  if ($LASTEXITCODE -eq 0) { azd env set CASEDESK_KEK_EXISTS true } else { azd env set CASEDESK_KEK_EXISTS false }
  exit 0
}
az keyvault show-deleted --name $vault --query id --output tsv 2>$null | Out-Null
if ($LASTEXITCODE -eq 0) {
  azd env set CASEDESK_KEYVAULT_RECOVER true
  Write-Host "keyvault-mode: $vault is soft-deleted: it will be recovered, with its KEK."
} else {
  azd env set CASEDESK_KEYVAULT_RECOVER false
  azd env set CASEDESK_KEK_EXISTS false
  Write-Host "keyvault-mode: $vault no longer exists (purged): a new, empty Key Vault."
}
exit 0
