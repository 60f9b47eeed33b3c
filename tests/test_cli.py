"""The command line: a first-class interface. Errors are one line and exit code 2."""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from booking import db
from booking.cli import build_parser, main
from booking.services.accounts import authenticate, list_users

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "booking", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0
    for command in ("db", "demo", "users", "jobs"):
        assert command in result.stdout


def test_users_add_list_disable(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough secret\n"))
    code, out, _ = run(
        ["users", "add", "Sam@Example.org", "--name", "Sam", "--role", "staff", "--password-stdin"],
        capsys,
    )
    assert code == 0 and "sam@example.org" in out
    assert authenticate("sam@example.org", "a long enough secret").role == "staff"
    code, out, _ = run(["users", "list"], capsys)
    assert "sam@example.org\tstaff\tSam" in out
    code, out, _ = run(["users", "disable", "sam@example.org"], capsys)
    assert code == 0
    assert list_users()[0].disabled


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["users", "add", "not-an-email", "--name", "X", "--role", "staff", "--oidc"],
            "n'est pas une adresse e-mail",
        ),
        (["users", "disable", "nobody@example.org"], "Aucun compte"),
    ],
)
def test_bad_user_input_is_one_line_exit_2(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, out, err = run(args, capsys)
    assert code == 2
    assert needle in err and err.count("\n") == 1
    assert list_users() == []


def test_short_password_refused_nothing_written(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    code, _, err = run(
        ["users", "add", "a@example.org", "--name", "A", "--role", "tuba", "--password-stdin"],
        capsys,
    )
    assert code == 2 and "au moins 10 caractères" in err
    assert list_users() == []


def test_unknown_role_is_a_usage_error(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["users", "add", "a@example.org", "--name", "A", "--role", "boss", "--oidc"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_wrong_database_url_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(["--database-url", "mysql://x@y/z", "db", "upgrade"], capsys)
    assert code == 2 and "DATABASE_URL" in err and "non pris en charge" in err


def test_db_upgrade_creates_a_fresh_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'tournee.db'}"
    code, out, _ = run(["--database-url", url, "db", "upgrade"], capsys)
    assert code == 0 and db.head_revision() in out
    code, out, _ = run(["--database-url", url, "db", "upgrade"], capsys)  # idempotent
    assert code == 0
    db.dispose_engines()


def test_second_start_while_first_migrates_gets_busy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'tournee.db'}"
    engine = db.get_engine(url)
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with db._migration_lock(engine, wait=True):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    holding.wait(5)
    try:
        code, _, err = run(["--database-url", url, "db", "upgrade", "--no-wait"], capsys)
    finally:
        release.set()
        thread.join()
    assert code == 2 and "met déjà la base de données à jour" in err
    assert db.current_revision(engine) is None  # nothing written by the second start
    db.dispose_engines()


def test_jobs_list_and_unknown_job(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["jobs", "run", "--list"], capsys)
    assert code == 0
    code, _, err = run(["jobs", "run", "--only", "no-such-job"], capsys)
    assert code == 2 and "unknown job" in err


def test_readme_commands_exist_in_the_cli() -> None:
    """Every `python -m booking …` line of the README's code blocks parses with the real parser."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```[a-z]*\n(.*?)```", readme, flags=re.S)
    commands = [
        line.split("python -m booking", 1)[1]
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith("python -m booking")
    ]
    assert len(commands) >= 5, "the README documents the CLI"
    parser = build_parser()
    for command in commands:
        try:
            parser.parse_args(shlex.split(command))
        except SystemExit as exc:  # the message says which line
            pytest.fail(f"README command does not parse: python -m booking{command} ({exc})")
