"""Cryptography on ``cryptography``: envelope encryption (AES-256-GCM) and per-case keys."""
