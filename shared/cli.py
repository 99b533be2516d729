"""Operations CLI: ``python -m shared.cli <command>``.

    create-org --name NAME --admin-email EMAIL --admin-name NAME [--language en|de]
        Create an organisation and invite its first org admin, acting as the system. The
        invitation e-mail is a pending effect: the app's effect relay queues it and the mail
        sender sends it through the configured mailer (locally into the outbox, /api/dev/outbox).
    rewrap-keys
        Re-wrap every case/user data key under the current key-encryption key (after a rotation).
    verify-audit [--scope SCOPE | --all]
        Check audit hash chains (one scope, e.g. case-<id>, or every chain in the store). Exit 0 and
        "ok: N events in M chains" when intact; exit 2 and one line per problem when not. Events
        the relay has not sequenced yet are reported as pending, never as missing.
    relay
        Run the effect relay now, until nothing is left (what the ``effect_relay`` timer does
        every 5 s): audit events into their chains, e-mails onto the mail queue.
    purge-dry-run
        The retention timer's schedule, exactly as its next run reads it (the due-date index):
        every closed, unheld case with the day it will be purged and its state — due (purged on
        the next run), notice_due (its notice goes out on the next run), notice (told; purged on
        the day shown), waiting — then how far the index is off the case records (what the
        weekly reconciliation would repair). Reads ids and dates only and changes nothing.
    purge-case CASE_ID [CASE_ID …]
        Purge these cases now, each only if its own record says it is due (closed at least
        CASEDESK_RETENTION_YEARS ago, no legal hold) or its purge is under way — the replay of
        purges after a restore from backup (docs/operations.md). Prints purged / resumed /
        already / skipped per case; exit 1 if any was skipped.
    seed-demo
        Development only: fill an empty store with the demo organisation and its five accounts,
        and print how to sign in with them (``make run`` does this before starting the dev host).

Runs with the same settings as the app (CASEDESK_ENV, CASEDESK_STORE, …).
"""

from __future__ import annotations

import argparse
import sys

from shared import bootstrap, config
from shared.access.caller import Caller
from shared.audit import AuditLog
from shared.effects import EFFECT_TYPE, SOURCE_CONTAINERS
from shared.effects.relay import relay_pending
from shared.errors import CaseDeskError
from shared.identity import demo, orgs, staff
from shared.identity.credentials import issue_reset
from shared.ports import Ports
from shared.retention.purge import purge_case
from shared.retention.schedule import Reconciled, Scheduled, notice_days, reconcile, retention_years, schedule


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.cli", description="CaseDesk operations")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-org", help="create an organisation and invite its first admin")
    create.add_argument("--name", required=True)
    create.add_argument("--admin-email", required=True)
    create.add_argument("--admin-name", required=True)
    create.add_argument("--language", choices=["en", "de"], default="de")
    commands.add_parser("rewrap-keys", help="re-wrap data keys under the current KEK version")
    verify = commands.add_parser("verify-audit", help="check audit hash chains for tampering")
    which = verify.add_mutually_exclusive_group(required=True)
    which.add_argument("--scope", help="one chain: case-<id>, org-<id>, user-<id> or platform")
    which.add_argument("--all", action="store_true", help="every chain in the store")
    commands.add_parser("relay", help="move pending audit events and e-mails on now")
    commands.add_parser("purge-dry-run", help="list closed cases with their purge day; changes nothing")
    replay = commands.add_parser("purge-case", help="purge these due cases now (a replay after a restore)")
    replay.add_argument("case_ids", nargs="+", metavar="CASE_ID")
    commands.add_parser("seed-demo", help="development only: demo organisation and accounts")
    args = parser.parse_args(argv)
    try:
        if args.command == "seed-demo":
            # Refuse before any port is built: a development command never touches a real backend.
            demo.check_environment(config.environment())
            _print_demo(demo.seed_demo(bootstrap.ports()))
            return 0
        ports = bootstrap.ports()
        if args.command == "verify-audit":
            return _verify_audit(AuditLog(ports.store, ports.clock), args.scope, _pending_audit(ports))
        if args.command == "relay":
            return _relay(ports)
        if args.command in ("purge-dry-run", "purge-case"):
            return _retention(ports, args)
        if args.command == "create-org":
            org_id = orgs.create_org(ports.store, ports.clock, args.name)
            index = staff.invite(
                ports,
                Caller.system(),
                org_id,
                email=args.admin_email,
                name=args.admin_name,
                language=args.language,
                role="org_admin",
            )
            print(
                f"organisation {org_id} created; invitation {index['invitationId']} to its first admin"
                " queued (the relay sends it within seconds of the app running)"
            )
        else:
            print(f"re-wrapped {ports.case_keys.rewrap_all()} data keys")
    except CaseDeskError as error:
        print(f"error ({error.code}): {error}", file=sys.stderr)
        return 1
    return 0


def _pending_audit(ports: Ports) -> int:
    """Audit events written by requests but not yet in their chains (ops tool: a scan)."""
    return sum(
        1
        for container in SOURCE_CONTAINERS
        for effect in ports.store.scan(container, equals={"type": EFFECT_TYPE})
        if effect.get("kind") == "audit"
    )


def _relay(ports: Ports) -> int:
    runs = 0
    while True:
        report = relay_pending(ports, issue_reset=issue_reset)
        runs += 1
        if not report.ok:
            print(f"error: {len(report.failed_scopes)} chains could not be extended", file=sys.stderr)
            return 1
        if not report.more:
            print(f"relayed in {runs} runs; the last: {report.to_json()}")
            return 0


def _verify_audit(log: AuditLog, scope: str | None, pending: int = 0) -> int:
    """Exit 2 on any problem, so a scheduled run or a pipeline step fails loudly."""
    results = [log.verify(scope)] if scope is not None else log.verify_all()
    scopes = [r.scope for r in results]
    events = sum(r.checked for r in results)
    problems = [f"{r.scope} {problem}" for r in results for problem in r.problems]
    if scope is not None and not events and not problems:
        print(f"error: no audit chain {scope} in this store", file=sys.stderr)
        return 1  # a mistyped scope must not read as "intact"
    if problems:
        for problem in problems:
            print(problem)
        print(f"TAMPERED: {len(problems)} problems in {len(scopes)} chains ({events} events checked)")
        return 2
    print(f"ok: {events} events in {len(scopes)} chains; {pending} events pending for the relay")
    return 0


def _print_schedule(cases: list[Scheduled], drift: Reconciled) -> None:
    print(f"retention: purge {retention_years()} years after closure, notice {notice_days()} days before")
    for case in cases:
        print(f"{case.state:<10} {case.purge_on.isoformat()}  case {case.case_id}  org {case.org_id}")
    states = ("due", "notice_due", "notice", "waiting")
    counts = {state: sum(c.state == state for c in cases) for state in states}
    print("dry run, nothing changed: " + ", ".join(f"{n} {state}" for state, n in counts.items()))
    off = drift.written + drift.removed
    print(
        f"index check: {drift.cases} case records; "
        + ("the index matches them" if not off else f"{off} index entries off (the weekly reconciliation "
           f"repairs them: {drift.written} to write, {drift.moved} to move, {drift.removed} to remove)")
    )  # fmt: skip


def _retention(ports: Ports, args: argparse.Namespace) -> int:
    if args.command == "purge-case":
        return _purge_cases(ports, args.case_ids)
    now = ports.clock.now()
    _print_schedule(schedule(ports.store, now), reconcile(ports.store, now, dry_run=True))
    return 0


def _purge_cases(ports: Ports, case_ids: list[str]) -> int:
    """Purge each case now if its own record says it is due (closed long enough, no hold) or its
    purge is under way; exit 1 if any was not purged (not due, unknown)."""
    refused = 0
    for case_id in case_ids:
        outcome = purge_case(ports, case_id, ports.clock.now())
        print(f"case {case_id}: {outcome}")
        refused += outcome == "skipped"
    _relay(ports)  # the final audit events into their chains now
    return 1 if refused else 0


def _print_demo(seeded: list[demo.DemoAccount] | None) -> None:
    """What a developer needs in the terminal to sign in (development data, not secrets)."""
    if seeded is None:
        print("seed-demo: the store already holds an organisation; no demo data added")
        return
    url = f"{config.required('CASEDESK_PUBLIC_URL').rstrip('/')}/api/dev/totp"
    role_width = max(len(account.role) for account in seeded)
    email_width = max(len(account.email) for account in seeded)
    print(f"Demo data seeded: organisation {demo.DEMO_ORG_NAME!r} (development only)")
    for account in seeded:
        print(f"  {account.role:<{role_width}}  {account.email:<{email_width}}  {account.language}")
    print(f"  password of every demo account: {demo.DEMO_PASSWORD}")
    print(f"  current TOTP codes:             {url}")


if __name__ == "__main__":
    sys.exit(main())
