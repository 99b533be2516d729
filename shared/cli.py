"""Operations CLI: ``python -m shared.cli <command>``.

    create-org --name NAME --admin-email EMAIL --admin-name NAME [--language en|de]
        Create an organisation and invite its first org admin, acting as the system. The
        invitation e-mail is a pending effect: the app's effect relay queues it and the mail
        sender sends it through the configured mailer (locally into the outbox, /api/dev/outbox).
    rewrap-keys
        Re-wrap every case/user data key under the current key-encryption key (after a rotation).
    verify-audit [--scope SCOPE | --all] [--anchors latest|none|NAME]
        Check audit hash chains (one scope, e.g. case-<id>, or every chain in the store). Exit 0 and
        "ok: N events in M chains" when intact; exit 2 and one line per problem when not. Events
        the relay has not sequenced yet are reported as pending, never as missing. Each chain is
        also compared with its anchor in the newest anchor set (or the one named; ``none``
        skips it): a chain rewritten or cut short since it was anchored is a problem.
    publish-anchors
        Publish every audit chain's head to the anchor container now (what the ``audit_anchor``
        timer does daily); prints the anchor set's name.
    backup-export [--day YYYY-MM-DD]
        Run (or carry on) the day's export of the store, but keys and sessions, to the export
        container (what the ``cosmos_export`` timer does); repeat until it prints "complete".
    backup-restore DAY [--resume]
        Restore the export of DAY into this (empty) store, with the live keys container; cases
        purged since the export are purged again. docs/operations.md, section 3.
    relay
        Run the effect relay now, until nothing is left (what the ``effect_relay`` timer does
        every 5 s): audit events into their chains, e-mails onto the mail queue.
    backfill-case-index
        Once, for data from before "last activity" (issue 24, docs/decisions/039): every case's
        index entries ("my cases", the organisation's directory) get the case's state, and its
        opening as last activity where they have none. Idempotent; a scan over the cases.
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
    seed-demo [--banner]
        Development only: fill an empty store with the demo organisation and its five accounts,
        and print how to sign in with them. With ``--banner`` the accounts are printed also when
        the store was seeded before (``make run`` hands that text to the dev host, which prints it
        last, once it serves).
    create-operator --tenant-id TID --object-id OID --name NAME --email EMAIL [--language en|de]
        Create a support operator account linked to the Entra identity TID/OID of the platform's
        tenant (never by e-mail; the address is shown, it signs nothing in). Operators sign in
        with Microsoft only (app role, MFA); docs/operations.md, "Operators".
    disable-operator USER_ID
        Disable an operator: Microsoft sign-in is refused from now on, live sessions end.
    support-local-operator USER_ID [--password PASSWORD]
        Development and test only (refused in production): give operator USER_ID a CaseDesk
        password and authenticator, and print the TOTP secret — how operators sign in and step
        up for a support grant without Entra locally (issue 22, docs/decisions/038).

    onboarding-feedback [--month YYYY-MM]
        The onboarding feedback of a month (default: this one) for the product team: how many,
        the ratings, the comments. Anonymous by construction (no person, case or time of day);
        kept 12 months (docs/decisions/034).

Runs with the same settings as the app (CASEDESK_ENV, CASEDESK_STORE, …).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from shared import bootstrap, config
from shared.access.caller import Caller
from shared.audit import AuditLog
from shared.effects import EFFECT_TYPE, SOURCE_CONTAINERS, activity
from shared.effects.relay import relay_pending
from shared.errors import CaseDeskError
from shared.identity import demo, onboarding_feedback, orgs, staff
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
    verify.add_argument("--anchors", default="latest", help="latest (default), none, or an anchor set's name")
    commands.add_parser("publish-anchors", help="publish every audit chain's head outside the database")
    backup = commands.add_parser("backup-export", help="run or continue the day's store export")
    backup.add_argument("--day", help="the export's day, YYYY-MM-DD (default: today, UTC)")
    restore = commands.add_parser("backup-restore", help="restore an export into an empty store")
    restore.add_argument("day", metavar="DAY")
    restore.add_argument("--resume", action="store_true", help="carry on a restore that stopped")
    _add_relay(commands)
    commands.add_parser("purge-dry-run", help="list closed cases with their purge day; changes nothing")
    replay = commands.add_parser("purge-case", help="purge these due cases now (a replay after a restore)")
    replay.add_argument("case_ids", nargs="+", metavar="CASE_ID")
    operator = commands.add_parser("create-operator", help="a support operator linked to an Entra identity")
    operator.add_argument("--tenant-id", required=True)
    operator.add_argument("--object-id", required=True)
    operator.add_argument("--name", required=True)
    operator.add_argument("--email", required=True)
    operator.add_argument("--language", choices=["en", "de"], default="en")
    disable = commands.add_parser("disable-operator", help="refuse an operator's sign-in, end their sessions")
    disable.add_argument("user_id", metavar="USER_ID")
    _add_local_operator(commands)
    _add_demo_and_feedback(commands)
    args = parser.parse_args(argv)
    try:
        if args.command == "seed-demo":
            return _seed_demo(banner=args.banner)
        ports = bootstrap.ports()
        if args.command in ("verify-audit", "publish-anchors", "backup-export", "backup-restore"):
            return _backup(ports, args)
        relaying = args.command in ("relay", "backfill-case-index")
        if relaying or args.command in ("create-operator", "disable-operator", "support-local-operator"):
            return _relay(ports, args.command) if relaying else _operators(ports, args)
        if args.command in ("purge-dry-run", "purge-case", "onboarding-feedback"):
            feedback = args.command == "onboarding-feedback"
            return _feedback(ports, args.month) if feedback else _retention(ports, args)
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


def _add_relay(commands: Any) -> None:
    commands.add_parser("relay", help="move pending audit events and e-mails on now")
    commands.add_parser(
        "backfill-case-index", help="once: case index entries from before last activity get its fields"
    )


def _relay(ports: Ports, command: str = "relay") -> int:
    if command == "backfill-case-index":
        print(f"patched {activity.backfill(ports)} case index entries")
        return 0
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


def _anchors(which: str) -> dict[str, tuple[int, str]] | None:
    """The anchor set ``verify-audit`` compares with: the newest, none, or one by name."""
    from shared.backup import anchors  # noqa: PLC0415

    if which == "none":
        return None
    container = bootstrap.blob_container("AUDIT_ANCHOR_CONTAINER")
    found = anchors.latest(container) if which == "latest" else anchors.load(container, which)
    if found is None:
        print("no anchors published yet: chains checked against themselves only", file=sys.stderr)
        return None
    print(f"anchors: {found.name} ({len(found.chains)} chains)", file=sys.stderr)
    return {scope: (a.seq, a.hash) for scope, a in found.chains.items()}


def _backup(ports: Ports, args: argparse.Namespace) -> int:
    from shared.backup import anchors, export, restore  # noqa: PLC0415

    if args.command == "verify-audit":
        heads = _anchors(args.anchors)
        return _verify_audit(AuditLog(ports.store, ports.clock), args.scope, _pending_audit(ports), heads)
    if args.command == "publish-anchors":
        published = anchors.publish(
            ports.store, bootstrap.blob_container("AUDIT_ANCHOR_CONTAINER"), ports.clock
        )
        print(f"anchors published: {published.name} ({len(published.chains)} chains)")
        return 0
    exports = bootstrap.blob_container("BACKUP_EXPORT_CONTAINER")
    if args.command == "backup-export":
        report = export.run(ports.store, exports, ports.clock, day=args.day)
        counts = ", ".join(f"{name} {n}" for name, n in report.counts.items())
        print(f"export {report.day}: {report.state}; {report.items} items in {report.parts} parts ({counts})")
        return 0 if report.state != "partial" else 3
    done = restore.restore(ports, exports, args.day, resume=args.resume)
    counts = ", ".join(f"{name} {n}" for name, n in done.counts.items())
    print(f"restored {done.items} items of the export {done.day} ({counts})")
    print(f"left out {done.skipped_emails} pending e-mails; rewound {done.heads_rewound} audit heads")
    for case_id in done.replayed_purges:
        print(f"case {case_id}: purged after the export (no key in the live keys): purged again")
    _relay(ports)  # the replayed purges' audit events into their chains
    return 0


def _verify_audit(
    log: AuditLog, scope: str | None, pending: int = 0, anchors: dict[str, tuple[int, str]] | None = None
) -> int:
    """Exit 2 on any problem, so a scheduled run or a pipeline step fails loudly."""
    if scope is not None:
        results = [log.verify(scope, (anchors or {}).get(scope))]
    else:
        results = log.verify_all(anchors)
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


def _add_local_operator(commands: Any) -> None:
    local = commands.add_parser(
        "support-local-operator", help="development/test only: a local password and TOTP for an operator"
    )
    local.add_argument("user_id", metavar="USER_ID")
    local.add_argument("--password", default=None)


def _local_operator(ports: Ports, args: argparse.Namespace) -> int:
    """Issue 22: an operator who signs in and steps up with CaseDesk TOTP (development, test)."""
    import secrets  # noqa: PLC0415

    from shared.support import local_operators  # noqa: PLC0415

    password = args.password or secrets.token_urlsafe(18)
    secret = local_operators.enable_local_sign_in(ports, args.user_id, password)
    print(f"operator {args.user_id}: local sign-in enabled (development and test only)")
    if not args.password:
        print(f"password {password}")
    print(f"totp secret {secret}")
    return 0


def _operators(ports: Ports, args: argparse.Namespace) -> int:
    from shared.identity import operators  # noqa: PLC0415

    if args.command == "support-local-operator":
        return _local_operator(ports, args)
    if args.command == "disable-operator":
        operators.disable_operator(ports, Caller.system(), args.user_id)
        print(f"disabled operator {args.user_id}")
        return 0
    made = operators.create_operator(
        ports,
        Caller.system(),
        tenant_id=args.tenant_id,
        object_id=args.object_id,
        name=args.name,
        email=args.email,
        language=args.language,
    )
    print(f"created operator {made.user_id} (tenant {made.tenant_id}, object {made.object_id})")
    return 0


def _add_demo_and_feedback(commands: Any) -> None:
    seed = commands.add_parser("seed-demo", help="development only: demo organisation and accounts")
    seed.add_argument("--banner", action="store_true", help="print the accounts even if seeded before")
    feedback = commands.add_parser("onboarding-feedback", help="a month's anonymous onboarding feedback")
    feedback.add_argument("--month", help="YYYY-MM (default: this month)")


def _feedback(ports: Ports, month: str | None) -> int:
    wanted = month or ports.clock.now().strftime("%Y-%m")
    found = list(onboarding_feedback.entries(ports.store, wanted))
    ratings = [f.rating for f in found if f.rating is not None]
    average = f", average rating {sum(ratings) / len(ratings):.1f} of 5" if ratings else ""
    print(f"{wanted}: {len(found)} answers, {len(ratings)} ratings{average}")
    for rating in range(5, 0, -1):
        print(f"  {rating}: {ratings.count(rating)}")
    for entry in found:
        if entry.comment:
            print(f"- [{entry.language}] {' '.join(entry.comment.split())}")
    return 0


def _seed_demo(*, banner: bool) -> int:
    # Refuse before any port is built: a development command never touches a real backend.
    demo.check_environment(config.environment())
    ports = bootstrap.ports()
    seeded = demo.seed_demo(ports)
    if seeded is None and banner:
        _print_demo_accounts([(c.role, c.email, "") for c in demo.current_codes(ports)])
    else:
        _print_demo(seeded)
    return 0


def _print_demo(seeded: list[demo.DemoAccount] | None) -> None:
    """What a developer needs in the terminal to sign in (development data, not secrets)."""
    if seeded is None:
        print("seed-demo: the store already holds an organisation; no demo data added")
        return
    print(f"Demo data seeded: organisation {demo.DEMO_ORG_NAME!r} (development only)")
    _print_demo_accounts([(a.role, a.email, a.language) for a in seeded], heading=False)


def _print_demo_accounts(rows: list[tuple[str, str, str]], *, heading: bool = True) -> None:
    """The demo accounts (role, e-mail, language), their password and the TOTP helper's address."""
    if not rows:
        return
    url = f"{config.required('CASEDESK_PUBLIC_URL').rstrip('/')}/api/dev/totp"
    role_width = max(len(role) for role, _, _ in rows)
    email_width = max(len(email) for _, email, _ in rows)
    if heading:
        print(f"Demo accounts of {demo.DEMO_ORG_NAME!r} (development only):")
    for role, email, language in rows:
        print(f"  {role:<{role_width}}  {email:<{email_width}}  {language}".rstrip())
    print(f"  password of every demo account: {demo.DEMO_PASSWORD}")
    print(f"  current TOTP codes:             {url}")


if __name__ == "__main__":
    sys.exit(main())
