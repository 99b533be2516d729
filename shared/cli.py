"""Operations CLI: ``python -m shared.cli <command>``.

    create-org --name NAME --admin-email EMAIL --admin-name NAME [--language en|de]
        Create an organisation and invite its first org admin (the invitation e-mail goes out
        through the configured mailer; locally it lands in the outbox, /api/dev/outbox).
    rewrap-keys
        Re-wrap every case/user data key under the current key-encryption key (after a rotation).

Runs with the same settings as the app (CASEDESK_ENV, CASEDESK_STORE, …).
"""

from __future__ import annotations

import argparse
import sys

from shared import bootstrap
from shared.errors import CaseDeskError
from shared.identity import orgs, staff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.cli", description="CaseDesk operations")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-org", help="create an organisation and invite its first admin")
    create.add_argument("--name", required=True)
    create.add_argument("--admin-email", required=True)
    create.add_argument("--admin-name", required=True)
    create.add_argument("--language", choices=["en", "de"], default="de")
    commands.add_parser("rewrap-keys", help="re-wrap data keys under the current KEK version")
    args = parser.parse_args(argv)
    try:
        ports = bootstrap.ports()
        if args.command == "create-org":
            org_id = orgs.create_org(ports.store, ports.clock, args.name)
            index = staff.invite(
                ports,
                org_id,
                email=args.admin_email,
                name=args.admin_name,
                language=args.language,
                role="org_admin",
                invited_by=None,
            )
            print(
                f"organisation {org_id} created; invitation {index['invitationId']} sent to its first admin"
            )
        else:
            print(f"re-wrapped {ports.case_keys.rewrap_all()} data keys")
    except CaseDeskError as error:
        print(f"error ({error.code}): {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
