"""Driving Streamlit pages in a real browser: waiting for the app, signing in, the menu, axe.

Waiting is always on a condition, as Streamlit's own end-to-end tests do: the root element
carries `data-test-connection-state` and `data-test-script-state`, and a script run is over
when the state is back to `notRunning`. Because a click may be read before the rerun it
causes has even started, every context counts finished runs (`RUN_COUNTER`, installed before
the page's own scripts) and `rerun()` waits for that count to grow; then for CSS transitions
to end (Streamlit fades stale elements), so screenshots and axe see the final page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axe_playwright_python.sync_playwright import Axe

if TYPE_CHECKING:
    from tests.e2e.conftest import App

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"

# Counts the script runs that finish (the state attribute going back to "notRunning").
RUN_COUNTER = """
(() => {
  window.__stRuns = 0;
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.oldValue === 'running'
          && record.target.getAttribute('data-test-script-state') === 'notRunning') {
        window.__stRuns += 1;
      }
    }
  }).observe(document, {
    subtree: true, attributes: true, attributeOldValue: true,
    attributeFilter: ['data-test-script-state'],
  });
})();
"""
IDLE = (
    "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
    "[data-test-script-state='notRunning']"
)
SETTLED = """() => !document.querySelector("[data-testid='stSkeleton']")
    && document.getAnimations().every(a => a.playState !== 'running')"""

STAFF = "staff@tournee.example"
TUBA = "tuba@tournee.example"
ADMIN = "admin@tournee.example"
DEMO_PASSWORD = "tournee-demo"  # noqa: S105 (the demo accounts' documented password)


def wait_idle(page: Any) -> None:
    """The app is connected, no script is running, nothing is still fading in."""
    page.locator(IDLE).wait_for(state="attached")
    page.wait_for_function(SETTLED)


def runs(page: Any) -> int:
    return int(page.evaluate("window.__stRuns"))


def rerun(page: Any, action: Callable[[], Any]) -> Any:
    """Do `action` (a click, a key) and wait for the script run it causes to finish."""
    before = runs(page)
    result = action()
    page.wait_for_function("n => window.__stRuns > n", arg=before)
    wait_idle(page)
    return result


def open_path(page: Any, app: App, path: str) -> None:
    """A full page load: a new Streamlit session (signed out)."""
    page.goto(app.url(path))
    wait_idle(page)


def sign_in(page: Any, app: App, email: str, a11y: Accessibility | None = None) -> None:
    open_path(page, app, "/connexion")
    if a11y is not None:
        a11y.check(page, "Connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    rerun(page, lambda: page.get_by_role("button", name="Se connecter").click())
    page.get_by_text("Connecté·e").wait_for()
    wait_idle(page)


def open_menu(page: Any, label: str) -> None:
    """Follow a sidebar link (a page load would start a new, signed-out session)."""
    rerun(page, lambda: page.get_by_role("link", name=label, exact=True).first.click())


def main(page: Any) -> Any:
    """The page's own content, without the sidebar."""
    return page.get_by_test_id("stMain")


def choose(page: Any, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label` (typing filters the options) and wait
    for the rerun; nothing happens when it is already the selected option."""
    box = page.get_by_role("combobox", name=label)
    if box.input_value() == option:
        return

    def pick() -> None:
        box.click()
        box.fill(option)
        page.get_by_role("option", name=option).first.click()

    rerun(page, pick)


# ---------------------------------------------------------------------------- accessibility

_axe = Axe()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # RGAA 4.1 follows WCAG 2.1 AA
BLOCKING = ("serious", "critical")
# Streamlit's own navigation markup (the menu's section titles are <div>s inside its <ul>):
# not the project's page, listed as not met in the README's accessibility statement. The rules
# still run everywhere else.
FRAMEWORK_NAV = "[data-testid='stSidebarNavItems']"
LIST_RULES = ["list", "listitem"]


def _run_axe(page: Any, context: Any, rules: dict[str, Any] | None) -> list[dict[str, Any]]:
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations"],
    }
    if rules:
        options["rules"] = rules
    result = _axe.run(page, context=context, options=options)
    return list(result.response["violations"])


def axe_check(page: Any, name: str, *, streamlit: bool = True) -> list[dict[str, Any]]:
    """Run axe-core (bundled with axe-playwright-python, injected from disk) on the page as
    it stands (a Streamlit page once idle); return the serious and critical violations."""
    if streamlit:
        wait_idle(page)
    found = _run_axe(page, None, {rule: {"enabled": False} for rule in LIST_RULES})
    lists = [
        v for v in _run_axe(page, {"exclude": [[FRAMEWORK_NAV]]}, None) if v["id"] in LIST_RULES
    ]
    blocking = [v for v in found + lists if v.get("impact") in BLOCKING]
    summary = {
        "page": name,
        "url": page.url,
        "violations": [
            {
                "rule": v["id"],
                "impact": v.get("impact"),
                "help": v["help"],
                "nodes": [n["html"][:200] for n in v["nodes"][:5]],
            }
            for v in found + lists
        ],
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(Path(ARTIFACTS) / "axe.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return blocking


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v.get('impact')}): {v['help']} — "
        + " | ".join(n["html"][:160] for n in v["nodes"][:3])
        for v in violations
    )


class Accessibility:
    """axe-core on each page a journey visits; the journey's own assertions run to the end,
    then `assert_clean()` fails with every serious or critical finding, page by page."""

    def __init__(self) -> None:
        self.findings: dict[str, list[dict[str, Any]]] = {}
        self.pages: list[str] = []

    def check(self, page: Any, name: str, *, streamlit: bool = True) -> None:
        self.pages.append(name)
        blocking = axe_check(page, name, streamlit=streamlit)
        if blocking:
            self.findings[name] = blocking

    def assert_clean(self) -> None:
        assert self.pages, "no page was checked"
        report = "\n".join(f"axe on {n}:\n{describe(v)}" for n, v in self.findings.items())
        assert not self.findings, report
