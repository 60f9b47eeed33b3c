"""Plain HTTP routes served beside the Streamlit app (`st.App(routes=...)`).

They call services only; no streamlit import here.
"""

from __future__ import annotations

import importlib

from starlette.routing import BaseRoute

# Each feature module exposes `ROUTES: list[BaseRoute]`.
ROUTE_MODULES = (
    "booking.web.health",
    "booking.web.feeds",
    "booking.web.feedback_form",
)


def all_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        routes.extend(module.ROUTES)
    return routes
