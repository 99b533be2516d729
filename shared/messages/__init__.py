"""Messaging between the participants of a case (SPEC journeys 8, 9): threads, messages, unread
counts, notices (docs/decisions/027-messaging.md)."""
