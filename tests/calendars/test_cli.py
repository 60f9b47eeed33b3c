"""`python -m booking calendar …`: the same exports, feeds and imports for scripts and cron."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from booking.calendars import export_calendar
from booking.calendars.feeds import list_feeds
from booking.cli import main
from tests.calendars.factories_calendars import Tour

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_export_writes_the_same_bytes_as_the_service(
    world_tour: Tour, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for view in (
        "all",
        f"venue:{world_tour.library.id}",
        f"kit:{world_tour.kit_a.id}",
        f"van:{world_tour.van_march.id}",
    ):
        out = tmp_path / f"{view.replace(':', '-')}.ics"
        code, _out, err = run(["calendar", "export", "--view", view, "--out", str(out)], capsys)
        assert code == 0, err
        assert out.read_bytes() == export_calendar(view)
        assert "event(s)" in err
    # fmt: skip


@pytest.mark.parametrize(
    ("view", "needle"),
    [
        ("lieu:1", "Vue de calendrier inconnue : « lieu:1 »"),
        ("venue:999", "Lieu n° 999 introuvable."),
        ("kit:999", "Kit n° 999 introuvable."),
        ("van:999", "Camion n° 999 introuvable."),
    ],
)
def test_unknown_view_or_id_exits_2_with_one_line_and_writes_nothing(
    world_tour: Tour, tmp_path: Path, capsys: pytest.CaptureFixture[str], view: str, needle: str
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "out.ics"
    code, stdout, err = run(["calendar", "export", "--view", view, "--out", str(out)], capsys)
    assert code == 2
    assert err.startswith("error: ") and needle in err and err.count("\n") == 1
    assert stdout == ""
    assert list(folder.iterdir()) == []  # no file, not even a temporary one


def test_feeds_create_list_rename_revoke(
    world_tour: Tour, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        [
            "calendar",
            "feeds",
            "create",
            "--name",
            "Chauffeur",
            "--view",
            f"van:{world_tour.van_march.id}",
        ],
        capsys,
    )
    assert code == 0
    feed_id = int(out.split("\t")[0])
    token = list_feeds()[0].token
    assert out.strip().endswith(f"/calendar/{token}.ics")
    code, out, _ = run(["calendar", "feeds", "rename", str(feed_id), "Camion 1"], capsys)
    assert code == 0
    code, out, _ = run(["calendar", "feeds", "list", "--json"], capsys)
    rows = json.loads(out)
    assert [(r["name"], r["active"], r["webcal"].startswith("webcal://")) for r in rows] == [
        ("Camion 1", True, True)
    ]
    code, out, _ = run(["calendar", "feeds", "revoke", str(feed_id)], capsys)
    assert code == 0
    code, out, _ = run(["calendar", "feeds", "list", "--active"], capsys)
    assert out == ""
    code, _, err = run(["calendar", "feeds", "revoke", "999"], capsys)
    assert code == 2 and "Abonnement introuvable." in err
    # fmt: skip


@pytest.mark.usefixtures("written_on")  # the stop it warns about is in March 2027
def test_closures_import(
    world_tour: Tour, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fermetures.ics"
    path.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Inventaire\r\n"
        b"DTSTART;VALUE=DATE:20270322\r\nDTEND;VALUE=DATE:20270324\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    venue = str(world_tour.library.id)
    code, out, _ = run(
        ["calendar", "closures", "import", "--venue", venue, str(path), "--horizon-days", "3650"],
        capsys,
    )
    assert code == 0 and out.startswith("1 closure(s) imported, 0 already present")
    assert "warning: a confirmed stop is installed or dismantled on 2027-03-22" in out
    path.write_bytes(b"not a calendar")
    code, _, err = run(["calendar", "closures", "import", "--venue", venue, str(path)], capsys)
    assert code == 2 and "n'est pas un calendrier .ics" in err
    code, _, err = run(
        ["calendar", "closures", "import", "--venue", venue, str(tmp_path / "missing.ics")], capsys
    )
    assert code == 2 and "cannot read" in err
    # fmt: skip


def test_help_documents_the_calendar_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "booking", "calendar", "export", "--help"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0
    assert "all | tuba | venue:<id> | kit:<id> | van:<id> | stop:<id>" in result.stdout
    assert "--out FILE" in result.stdout
