"""Private notes of case participants (SPEC journey 4)."""
