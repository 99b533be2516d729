"""Offline checks of the infrastructure code (infra/, azure.yaml): the Bicep is parsed with
pycep-parser and scanned with checkov, both from the separate IaC venv (.venv-iac)."""
