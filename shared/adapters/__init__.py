"""Adapters: one implementation of a port per technology (ARCHITECTURE §3–5).

Imported lazily by ``shared.bootstrap`` so that only the chosen adapter's SDK is loaded."""
