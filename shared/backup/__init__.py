"""Backups that keep the customer's promise (issue 26, docs/decisions/033-backups.md).

* :mod:`shared.backup.export` — the daily export of every store container except ``keys`` and
  ``sessions`` into the blob container the Backup vault protects (``cosmos-exports``);
* :mod:`shared.backup.restore` — an export back into an empty store, with the live ``keys``:
  a case purged since the export is purged again, so it never comes back readable;
* :mod:`shared.backup.anchors` — the audit chains' heads published outside the database (a
  container with a time-based immutability policy), which ``verify-audit`` compares against.

Nothing here imports an Azure SDK: the blob stores come in as ports.
"""
