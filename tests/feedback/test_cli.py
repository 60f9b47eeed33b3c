"""`python -m booking feedback links|export`: the same services, clear errors, exit 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from booking.cli import main
from tests.feedback.conftest import Stops, add_answers


def test_links_lists_the_stops_open_today(stops: Stops, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feedback", "links"]) == 0
    out = capsys.readouterr().out
    assert (
        f"/f/{stops.open.feedback_token}" in out and f"/f/{stops.elsewhere.feedback_token}" in out
    )
    assert stops.past.feedback_token not in out and stops.future.feedback_token not in out
    assert main(["feedback", "links", "--json"]) == 0
    links = json.loads(capsys.readouterr().out)
    assert {link["stop_id"] for link in links} == {stops.open.id, stops.elsewhere.id}
    assert all(link["url"].startswith("http://localhost:8501/f/") for link in links)


def test_export_writes_csv_and_xlsx(
    stops: Stops, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stops.open.id
    add_answers(stops.open.id, 12, comment="=1+1")
    target = tmp_path / "reponses.csv"
    assert main(["feedback", "export", "--format", "csv", "--out", str(target)]) == 0
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 13 and lines[1].endswith(";'=1+1")
    assert "12 rows" in capsys.readouterr().out
    book = tmp_path / "retours.xlsx"
    assert main(["feedback", "export", "--format", "xlsx", "--out", str(book)]) == 0
    assert load_workbook(book).sheetnames == ["Réponses", "Bilans d'étape", "Synthèse"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "ods", "--out", "x.ods"],
        ["--format", "csv"],
        ["--format", "csv", "--out", "x.csv", "--from", "31/12/2027"],
    ],
)
def test_bad_arguments_exit_2(
    stops: Stops, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["feedback", "export", *args])
    assert exited.value.code == 2
    assert "error" in capsys.readouterr().err


def test_an_unwritable_target_exits_2_and_writes_nothing(
    stops: Stops, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "x.csv"
    assert main(["feedback", "export", "--format", "csv", "--out", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["feedback", "export", "--format", "csv", "--out", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    # A folder that refuses the file even to root (the kernel's own): the write fails.
    assert main(["feedback", "export", "--format", "csv", "--out", "/proc/tournee.csv"]) == 2
    assert "cannot write /proc/tournee.csv" in capsys.readouterr().err


def test_a_folder_without_write_permission_exits_2(
    stops: Stops, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: folder permissions are not enforced")
        assert main(["feedback", "export", "--format", "csv", "--out", str(locked / "x.csv")]) == 2
        assert "permission denied" in capsys.readouterr().err
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_a_reversed_period_is_a_clear_error(
    stops: Stops, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    code = main(
        [
            "feedback",
            "export",
            "--format",
            "csv",
            "--out",
            str(out / "x.csv"),
            "--from",
            "2027-03-01",
            "--to",
            "2027-02-01",
        ]
    )
    assert code == 2 and "à l'envers" in capsys.readouterr().err
    assert list(out.iterdir()) == []
