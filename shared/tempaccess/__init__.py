"""Temporary access to an organisation's cases: break-glass by its own staff (issue 23) and, with
issue 22, support access by platform operators — one overview for the org admins."""
