"""Cases: the case, its participants and the integration plan (SPEC journeys 1, 10, 13)."""
