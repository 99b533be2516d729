"""Retention (SPEC journey 13): when closed cases fall due for purging."""
