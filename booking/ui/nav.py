"""The page registry: which pages exist, for whom, in which menu section.

`streamlit_app.py` builds `st.navigation` from it for the signed-in role; every page also
checks the role itself (`require_role`) so a hidden page cannot be reached by its URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from booking.models import Role

PUBLIC = frozenset[Role]()
STAFF = frozenset({Role.staff, Role.admin})
TUBA = frozenset({Role.tuba, Role.staff, Role.admin})
ADMIN = frozenset({Role.admin})


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to the project root (where streamlit_app.py is)
    title_key: str
    icon: str
    section_key: str
    roles: frozenset[Role]  # empty: public
    url_path: str
    in_menu: bool = True  # False: reached by a link only (a private link, a token)
    public_only: bool = False  # shown only when nobody is signed in (the login page)


PAGES: tuple[PageSpec, ...] = (
    # Venues and the public (no account)
    PageSpec(
        "booking/ui/pages/exhibitions.py",
        "nav.exhibitions",
        ":material/collections:",
        "nav.section.venues",
        PUBLIC,
        "expositions",
    ),
    PageSpec(
        "booking/ui/pages/request_form.py",
        "nav.request_form",
        ":material/edit_calendar:",
        "nav.section.venues",
        PUBLIC,
        "demande",
    ),
    PageSpec(
        "booking/ui/pages/my_request.py",
        "nav.my_request",
        ":material/link:",
        "nav.section.venues",
        PUBLIC,
        "ma-demande",
        in_menu=False,
    ),
    PageSpec(
        "booking/ui/pages/stop_report.py",
        "nav.stop_report",
        ":material/assignment:",
        "nav.section.venues",
        PUBLIC,
        "rapport",
        in_menu=False,
    ),
    PageSpec(
        "booking/ui/pages/login.py",
        "nav.login",
        ":material/login:",
        "nav.section.account",
        PUBLIC,
        "connexion",
        public_only=True,
    ),
    # Métropole staff
    PageSpec(
        "booking/ui/pages/requests_queue.py",
        "nav.requests",
        ":material/inbox:",
        "nav.section.staff",
        STAFF,
        "demandes",
    ),
    PageSpec(
        "booking/ui/pages/planning.py",
        "nav.planning",
        ":material/event_note:",
        "nav.section.staff",
        STAFF,
        "planification",
    ),
    PageSpec(
        "booking/ui/pages/van_days.py",
        "nav.van_days",
        ":material/local_shipping:",
        "nav.section.staff",
        STAFF,
        "camion",
    ),
    PageSpec(
        "booking/ui/pages/kits.py",
        "nav.kits",
        ":material/inventory_2:",
        "nav.section.staff",
        STAFF,
        "kits",
    ),
    PageSpec(
        "booking/ui/pages/venues.py",
        "nav.venues",
        ":material/location_on:",
        "nav.section.staff",
        STAFF,
        "lieux",
    ),
    PageSpec(
        "booking/ui/pages/calendars.py",
        "nav.calendars",
        ":material/calendar_month:",
        "nav.section.staff",
        STAFF,
        "calendriers",
    ),
    PageSpec(
        "booking/ui/pages/messages.py",
        "nav.messages",
        ":material/mail:",
        "nav.section.staff",
        STAFF,
        "messages",
    ),
    PageSpec(
        "booking/ui/pages/audit_log.py",
        "nav.audit",
        ":material/history:",
        "nav.section.staff",
        STAFF,
        "journal",
    ),
    # Tuba team
    PageSpec(
        "booking/ui/pages/feedback_dashboard.py",
        "nav.feedback",
        ":material/insights:",
        "nav.section.tuba",
        TUBA,
        "retours",
    ),
    PageSpec(
        "booking/ui/pages/stop_reports.py",
        "nav.stop_reports",
        ":material/summarize:",
        "nav.section.tuba",
        TUBA,
        "rapports",
    ),
    PageSpec(
        "booking/ui/pages/questionnaire.py",
        "nav.questionnaire",
        ":material/quiz:",
        "nav.section.tuba",
        TUBA,
        "questionnaire",
    ),
    # Admin
    PageSpec(
        "booking/ui/pages/users.py",
        "nav.users",
        ":material/group:",
        "nav.section.admin",
        ADMIN,
        "comptes",
    ),
    PageSpec(
        "booking/ui/pages/operations.py",
        "nav.operations",
        ":material/monitor_heart:",
        "nav.section.admin",
        ADMIN,
        "exploitation",
    ),
)


def pages_for(role: Role | None) -> list[PageSpec]:
    """The pages a person with `role` (None: not signed in) may open."""
    result = []
    for spec in PAGES:
        if spec.public_only and role is not None:
            continue
        if spec.roles and (role is None or role not in spec.roles):
            continue
        result.append(spec)
    return result


def spec_for(path: str) -> PageSpec:
    for spec in PAGES:
        if spec.path == path:
            return spec
    raise KeyError(path)
