"""`python -m booking …`: the command line, a first-class interface over the same services.

Errors a person can meet print one line and exit 2. Features add their commands through a
`register(subparsers)` function in their own `cli` module, listed in `FEATURE_CLIS`.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence

from booking.errors import DomainError

FEATURE_CLIS = (
    "booking.planning.cli",
    "booking.calendars.cli",
    "booking.feedback.cli",
)

Handler = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """A usage error found after parsing (exit 2, one line)."""


def _db_upgrade(args: argparse.Namespace) -> int:
    from booking import db

    revision = db.upgrade(args.database_url, wait=not args.no_wait)
    print(
        f"database at revision {revision} ({db.database_label(db.get_engine(args.database_url))})"
    )
    return 0


def _db_current(args: argparse.Namespace) -> int:
    from booking import db

    engine = db.get_engine(args.database_url)
    print(f"current: {db.current_revision(engine) or '(empty)'}; code head: {db.head_revision()}")
    return 0


def _demo_load(args: argparse.Namespace) -> int:
    from booking import db
    from booking.demo import load_demo

    db.upgrade(args.database_url)
    engine = db.get_engine(args.database_url)
    if not db.is_empty(engine) and not args.force_if_empty_only:
        print("database already holds data: demo not loaded (it only loads into an empty database)")
        return 0
    summary = load_demo(engine, seed=args.seed)
    print("demo data loaded: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    return 0


def _users_add(args: argparse.Namespace) -> int:
    from booking.services.accounts import add_user

    password: str | None
    if args.oidc:
        password = None
    elif args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = os.environ.get("TOURNEE_PASSWORD") or getpass.getpass("Mot de passe : ")
    user = add_user(email=args.email, display_name=args.name, role=args.role, password=password)
    print(f"added {user.email} ({user.role.value})")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    from booking.services.accounts import list_users

    users = list_users()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "email": u.email,
                        "name": u.display_name,
                        "role": u.role.value,
                        "disabled": u.disabled,
                    }
                    for u in users
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for u in users:
            state = " (disabled)" if u.disabled else ""
            print(f"{u.email}\t{u.role.value}\t{u.display_name}{state}")
    return 0


def _users_disable(args: argparse.Namespace) -> int:
    from booking.services.accounts import set_user_disabled

    user = set_user_disabled(args.email, not args.enable)
    print(f"{user.email} {'disabled' if user.disabled else 'enabled'}")
    return 0


def _jobs_run(args: argparse.Namespace) -> int:
    from booking.jobs import registered_jobs, run_jobs

    if args.list:
        print("\n".join(registered_jobs()))
        return 0
    unknown = set(args.only or []) - set(registered_jobs())
    if unknown:
        raise CliError(f"unknown job(s): {', '.join(sorted(unknown))}; see --list")
    outcomes = run_jobs(only=args.only)
    for o in outcomes:
        print(
            f"{o.job}\t{'ok' if o.ok else 'FAILED'}\t{o.detail.splitlines()[0] if o.detail else ''}"
        )
    return 0 if all(o.ok for o in outcomes) else 1


def _backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from booking import backup, db

    engine = db.get_engine(args.database_url)
    db.check_schema(engine)
    if args.sqlite_copy:
        size = backup.sqlite_online_backup(engine, Path(args.sqlite_copy))
        print(f"SQLite online copy written to {args.sqlite_copy} ({size} bytes)")
    else:
        size = backup.write_dump(engine, Path(args.out))
        print(f"backup written to {args.out} ({size} bytes)")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from booking import backup, db

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    document = backup.read_dump(data)
    db.upgrade(args.database_url)
    counts = backup.restore(db.get_engine(args.database_url), document)
    print(f"restored {sum(counts.values())} rows into {len(counts)} tables")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m booking",
        description="Tournée: book travelling exhibitions into venues and run their logistics.",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="database URL (default: DATABASE_URL or the SQLite file)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p_db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    p = p_db.add_parser("upgrade", help="create or migrate the database to the code's version")
    p.add_argument(
        "--no-wait", action="store_true", help="fail at once if another process is migrating"
    )
    p.set_defaults(handler=_db_upgrade)
    p = p_db.add_parser("current", help="print the database's and the code's revisions")
    p.set_defaults(handler=_db_current)

    p_demo = sub.add_parser("demo", help="demo data").add_subparsers(
        dest="demo_command", required=True
    )
    p = p_demo.add_parser("load", help="migrate, then load demo data into an empty database")
    p.add_argument("--seed", type=int, default=2027, help="random seed (default 2027)")
    p.set_defaults(handler=_demo_load, force_if_empty_only=False)

    p_users = sub.add_parser("users", help="staff, Tuba and admin accounts").add_subparsers(
        dest="users_command", required=True
    )
    p = p_users.add_parser("add", help="add an account")
    p.add_argument("email")
    p.add_argument("--name", required=True, help="display name")
    p.add_argument("--role", required=True, choices=["staff", "tuba", "admin"])
    group = p.add_mutually_exclusive_group()
    group.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    group.add_argument(
        "--oidc", action="store_true", help="no password: signs in through OIDC only"
    )
    p.set_defaults(handler=_users_add)
    p = p_users.add_parser("list", help="list accounts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_users_list)
    p = p_users.add_parser("disable", help="disable (or --enable) an account")
    p.add_argument("email")
    p.add_argument("--enable", action="store_true")
    p.set_defaults(handler=_users_disable)

    p_jobs = sub.add_parser("jobs", help="background jobs").add_subparsers(
        dest="jobs_command", required=True
    )
    p = p_jobs.add_parser("run", help="run the due jobs once (for cron); idempotent")
    p.add_argument("--only", action="append", metavar="JOB", help="run only this job (repeatable)")
    p.add_argument("--list", action="store_true", help="list the jobs and exit")
    p.set_defaults(handler=_jobs_run)

    p = sub.add_parser("backup", help="a portable dump of all data (or an online SQLite copy)")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", metavar="FILE", help="write the portable JSON dump here")
    target.add_argument(
        "--sqlite-copy", metavar="FILE", help="SQLite only: online copy of the live file"
    )
    p.set_defaults(handler=_backup)
    p = sub.add_parser("restore", help="load a dump into an empty database (migrated first)")
    p.add_argument("file", help="a dump written by 'backup --out'")
    p.set_defaults(handler=_restore)

    for module_name in FEATURE_CLIS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        from booking.config import reset_settings

        reset_settings()
    handler: Handler = args.handler
    try:
        return handler(args)
    except DomainError as exc:
        print(f"error: {exc.message('fr')}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
