"""`python -m booking feedback …`: form links for venues, and scheduled exports."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from booking.feedback.exports import FORMATS, TABLES


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _links(args: argparse.Namespace) -> int:
    from booking.feedback.posters import current_form_links

    links = current_form_links(args.date)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "stop_id": link.stop_id,
                        "venue": link.venue_name,
                        "commune": link.commune,
                        "install_date": link.install_date.isoformat(),
                        "last_open_date": link.last_open_date.isoformat(),
                        "url": link.url,
                    }
                    for link in links
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    elif not links:
        print("no stop is open on this day")
    else:
        for link in links:
            print(
                f"{link.stop_id}\t{link.venue_name} ({link.commune})\t"
                f"{link.install_date.isoformat()}..{link.last_open_date.isoformat()}\t{link.url}"
            )
    return 0


def _writable_target(path: str) -> Path:
    from booking.cli import CliError

    target = Path(path).expanduser()
    if target.is_dir():
        raise CliError(f"--out is a directory, not a file: {target}")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"cannot write {target}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise CliError(f"cannot write {target}: permission denied")
    return target


def _export(args: argparse.Namespace) -> int:
    from booking.cli import CliError
    from booking.feedback.dashboard import Filters
    from booking.feedback.exports import export

    target = _writable_target(args.out)
    filters = Filters(date_from=args.date_from, date_to=args.date_to)
    filters.check()
    # Write beside the target, then rename: a failed export leaves no half-written file.
    part: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
        ) as handle:
            part = Path(handle.name)
            rows = export(filters, args.format, handle, table=args.table, lang=args.lang)
        os.replace(part, target)
    except OSError as exc:
        if part is not None:
            part.unlink(missing_ok=True)
        raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        if part is not None:
            part.unlink(missing_ok=True)
        raise
    what = "all tables" if args.format == "xlsx" else args.table
    print(f"wrote {target} ({args.format}, {what}, {rows} rows)")
    return 0


def register(subparsers: Any) -> None:
    feedback = subparsers.add_parser(
        "feedback", help="visitor feedback: form links for venues, exports"
    ).add_subparsers(dest="feedback_command", required=True)

    p = feedback.add_parser("links", help="each stop open today with its feedback form URL")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--date", type=_date, default=None, help="stops open on this day (default: today, Paris)"
    )
    p.set_defaults(handler=_links)

    p = feedback.add_parser(
        "export", help="write the dashboard's export (responses, stop reports, summary)"
    )
    p.add_argument("--format", required=True, choices=FORMATS, help="csv (one table) or xlsx")
    p.add_argument("--out", required=True, metavar="FILE", help="file to write")
    p.add_argument(
        "--table",
        choices=TABLES,
        default="responses",
        help="table written as CSV (default: responses); XLSX holds all three sheets",
    )
    p.add_argument("--from", dest="date_from", type=_date, default=None, help="first day")
    p.add_argument("--to", dest="date_to", type=_date, default=None, help="last day")
    p.add_argument("--lang", choices=["fr", "en"], default="fr", help="headers' language")
    p.set_defaults(handler=_export)
