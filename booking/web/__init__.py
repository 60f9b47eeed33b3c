"""Plain HTTP routes served beside the Streamlit app (`st.App(routes=...)`).

They call services only; no streamlit import here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

# Each feature module exposes `ROUTES: list[BaseRoute]`, and may expose `MIDDLEWARE`.
ROUTE_MODULES = (
    "booking.web.health",
    "booking.web.feeds",
    "booking.web.feedback_form",
)


def _modules() -> list[ModuleType]:
    modules = []
    for name in ROUTE_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
    return modules


def all_routes() -> list[BaseRoute]:
    return [route for module in _modules() for route in getattr(module, "ROUTES", [])]


def all_middleware() -> list[Middleware]:
    return [mw for module in _modules() for mw in getattr(module, "MIDDLEWARE", [])]
