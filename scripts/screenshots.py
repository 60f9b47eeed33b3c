"""Take the README's screenshots in a real browser (Debian's chromium driven by Playwright).

Starts `streamlit run streamlit_app.py` on a fresh SQLite file with demo data, waits for
/health, then visits the pages a venue, staff and the Tuba team use, waiting for Streamlit to
be idle (no running script) before each shot.

    .venv/bin/pip install playwright   # the Python package; its browser download is not used
    .venv/bin/python scripts/screenshots.py --out docs/screenshots
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_app(db_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "TOURNEE_JOBS_IN_APP": "0",
        "TOURNEE_BASE_URL": f"http://127.0.0.1:{port}",
    }
    python = sys.executable
    subprocess.run(
        [python, "-m", "booking", "demo", "load"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [
            python,
            "-m",
            "streamlit",
            "run",
            "streamlit_app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the app did not answer /health within 60 s")


def wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    """Streamlit is idle when a script run has finished and drawn the page's heading."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000
    )
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000
    )
    page.wait_for_timeout(300)  # let charts finish their first paint


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots", help="folder for the PNG files")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        app = start_app(Path(tmp) / "tournee.db", port)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
                shots = [("venue-exhibition", "/"), ("venue-request-form", "/demande")]
                for name, path in shots:
                    page.goto(base + path)
                    wait_idle(page)
                    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                page.goto(base + "/connexion")
                wait_idle(page)
                page.get_by_label("Adresse e-mail").fill("staff@tournee.example")
                page.get_by_label("Mot de passe").fill("tournee-demo")
                page.get_by_role("button", name="Se connecter").click()
                wait_idle(page)
                # a page load would start a new session (signed out): follow the menu instead
                for name, label in [
                    ("staff-requests", "Demandes"),
                    ("staff-planning", "Planification"),
                    ("staff-van-days", "Tournées du camion"),
                    ("staff-calendars", "Calendriers"),
                    ("tuba-feedback", "Retours des visiteurs"),
                ]:
                    page.get_by_role("link", name=label).first.click()
                    wait_idle(page)
                    page.screenshot(path=str(out / f"{name}.png"), full_page=False)
                # the visitor's minute: the QR form on a phone, without JavaScript
                links = subprocess.run(
                    [sys.executable, "-m", "booking", "feedback", "links", "--json"],
                    env={
                        **os.environ,
                        "DATABASE_URL": f"sqlite:///{Path(tmp) / 'tournee.db'}",
                        "TOURNEE_BASE_URL": base,
                    },
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                url = json.loads(links)[0]["url"]
                phone = browser.new_context(
                    viewport={"width": 390, "height": 844},
                    java_script_enabled=False,
                    device_scale_factor=1,
                    is_mobile=True,
                )
                visitor = phone.new_page()
                visitor.goto(url)
                visitor.screenshot(path=str(out / "visitor-form.png"), full_page=True)
                browser.close()
        finally:
            app.terminate()
            app.wait(10)
    print(f"screenshots written to {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
