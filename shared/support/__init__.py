"""Support access for platform operators, only with the organisation's consent (SPEC journey 16,
issue 22, docs/decisions/038-support-access.md): grants (:mod:`.grants`), pseudonyms
(:mod:`.pseudonyms`), the read-only scoped views (:mod:`.views`) and the organisation's failed
requests (:mod:`.failures`)."""
