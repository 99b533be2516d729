"""Download my data (SPEC journey 14): the person's own data as one ZIP, built in the background
into an encrypted blob and served in parts (docs/decisions/030-download-my-data.md)."""
