"""Identity: accounts, organisations and staff, invitations, onboarding, login, sessions."""
