"""PDF reports of a case (SPEC journey 12): :mod:`shared.reports.reports` gathers what the
requester may see and records the report's authenticity; :mod:`shared.reports.render` draws the
PDF with reportlab, imported only when a report is made (cold start: docs/decisions/028)."""
