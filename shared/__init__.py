"""CaseDesk core: everything that does not import ``azure.functions``."""
