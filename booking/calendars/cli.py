"""`python -m booking calendar …`: exports, feeds and closure imports for scripts and cron.

    python -m booking calendar export --view all|tuba|venue:<id>|kit:<id>|van:<id>|stop:<id> --out FILE
    python -m booking calendar feeds list [--json]
    python -m booking calendar feeds create --name NAME --view VIEW
    python -m booking calendar feeds rename ID NAME
    python -m booking calendar feeds revoke ID
    python -m booking calendar closures import --venue ID FILE

An unknown view or id prints one line and exits 2 (the CLI's rule for errors a person can
meet); nothing is written then.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ACTOR = "cli"


def _write(out: str, data: bytes) -> None:
    """Write `data` to `out` ("-" for stdout) whole or not at all (a temp file, renamed)."""
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(out)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".tournee-", suffix=".ics.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _export(args: argparse.Namespace) -> int:
    from booking.calendars import export_calendar

    data = export_calendar(args.view, lang=args.lang)
    _write(args.out, data)
    if args.out != "-":
        events = data.count(b"\r\nBEGIN:VEVENT\r\n")
        print(f"{args.out}: {events} event(s), {len(data)} bytes", file=sys.stderr)
    return 0


def _feed_row(feed: Any) -> dict[str, Any]:
    return {
        "id": feed.id,
        "name": feed.name,
        "view": feed.view,
        "url": feed.url,
        "webcal": feed.webcal_url,
        "active": feed.active,
        "created_by": feed.created_by,
        "created_at": feed.created_at.isoformat(),
        "revoked_at": feed.revoked_at.isoformat() if feed.revoked_at else None,
        "last_fetched_at": feed.last_fetched_at.isoformat() if feed.last_fetched_at else None,
    }


def _feeds_list(args: argparse.Namespace) -> int:
    from booking.calendars.feeds import list_feeds

    feeds = list_feeds(include_revoked=not args.active)
    if args.json:
        print(json.dumps([_feed_row(f) for f in feeds], ensure_ascii=False, indent=2))
        return 0
    for feed in feeds:
        state = "active" if feed.active else "revoked"
        print(f"{feed.id}\t{state}\t{feed.view}\t{feed.name}\t{feed.url}")
    return 0


def _feeds_create(args: argparse.Namespace) -> int:
    from booking.calendars.feeds import create_feed

    feed = create_feed(name=args.name, view=args.view, actor=ACTOR)
    print(f"{feed.id}\t{feed.view}\t{feed.url}")
    return 0


def _feeds_rename(args: argparse.Namespace) -> int:
    from booking.calendars.feeds import rename_feed

    feed = rename_feed(args.id, args.name, actor=ACTOR)
    print(f"{feed.id}\t{feed.name}")
    return 0


def _feeds_revoke(args: argparse.Namespace) -> int:
    from booking.calendars.feeds import revoke_feed

    feed = revoke_feed(args.id, actor=ACTOR)
    print(f"{feed.id}\trevoked")
    return 0


def _closures_import(args: argparse.Namespace) -> int:
    from booking.calendars.closures import MAX_BYTES, import_closures
    from booking.cli import CliError

    path = Path(args.file)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)  # enough to refuse an oversized file
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    result = import_closures(args.venue, data, actor=ACTOR, horizon_days=args.horizon_days)
    print(
        f"{result.imported} closure(s) imported, {result.already_present} already present, "
        f"{result.past_events} past event(s) ignored ({result.events} event(s) read)"
    )
    for day in result.handling_conflicts:
        print(f"warning: a confirmed stop is installed or dismantled on {day.isoformat()}")
    return 0


def register(subparsers: Any) -> None:
    """Add `calendar …` to the `python -m booking` parser."""
    calendar = subparsers.add_parser(
        "calendar", help="calendar exports (.ics), subscription feeds, closure imports"
    ).add_subparsers(dest="calendar_command", metavar="COMMAND", required=True)

    p = calendar.add_parser(
        "export",
        help="write the .ics of a view to a file",
        description="Write the .ics of a view: all, tuba, venue:<id>, kit:<id>, van:<id>, "
        "stop:<id>. The same database state always gives the same bytes.",
    )
    p.add_argument(
        "--view", required=True, help="all | tuba | venue:<id> | kit:<id> | van:<id> | stop:<id>"
    )
    p.add_argument("--out", required=True, metavar="FILE", help="output file ('-' for stdout)")
    p.add_argument("--lang", default="fr", choices=["fr", "en"], help="language (default fr)")
    p.set_defaults(handler=_export)

    feeds = calendar.add_parser("feeds", help="secret subscription feeds").add_subparsers(
        dest="feeds_command", metavar="COMMAND", required=True
    )
    p = feeds.add_parser("list", help="list the feeds and their addresses")
    p.add_argument("--active", action="store_true", help="only feeds not revoked")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_feeds_list)
    p = feeds.add_parser("create", help="create a feed and print its address")
    p.add_argument("--name", required=True)
    p.add_argument("--view", required=True, help="all | tuba | venue:<id> | kit:<id> | van:<id>")
    p.set_defaults(handler=_feeds_create)
    p = feeds.add_parser("rename", help="rename a feed (its address stays)")
    p.add_argument("id", type=int)
    p.add_argument("name")
    p.set_defaults(handler=_feeds_rename)
    p = feeds.add_parser("revoke", help="revoke a feed: its address answers 404 from now on")
    p.add_argument("id", type=int)
    p.set_defaults(handler=_feeds_revoke)

    closures = calendar.add_parser("closures", help="venue closures").add_subparsers(
        dest="closures_command", metavar="COMMAND", required=True
    )
    p = closures.add_parser(
        "import", help="import a venue's closure days from an .ics file (all or nothing)"
    )
    p.add_argument("--venue", type=int, required=True, help="the venue's id")
    p.add_argument(
        "--horizon-days", type=int, default=730, help="expand up to this many days ahead"
    )
    p.add_argument("file")
    p.set_defaults(handler=_closures_import)
