"""The access concept (SPEC §3): permissions, the public allow-list, and the check."""
