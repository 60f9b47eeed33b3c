"""The app as `streamlit_app.py` serves it (same routes, same lifespan), plus one bare route
for the load benchmark to compare with: `/bench/constant` returns a constant page of the size
of the form's thank-you page. Used only by bench/feedback_load.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from booking.web import all_routes  # noqa: E402
from booking.web.feedback_form import _message_page  # noqa: E402
from booking.web.lifespan import lifespan  # noqa: E402

CONSTANT = _message_page("fbform.thanks_title", ["Merci ! " * 10], "fr")


async def constant(_request: Request) -> HTMLResponse:
    return HTMLResponse(CONSTANT, headers={"Cache-Control": "no-store"})


app = st.App(
    __file__, routes=[*all_routes(), Route("/bench/constant", constant)], lifespan=lifespan
)
