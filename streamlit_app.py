"""Tournée: the entry point.

`streamlit run streamlit_app.py` serves the pages and, through `st.App(routes=...)`, the
plain routes beside them (/health, calendar feeds, the visitor feedback form). The ASGI server
imports this module too, so the page code runs only inside a Streamlit script run.
"""

import streamlit as st

from booking.web import all_middleware, all_routes
from booking.web.lifespan import lifespan

app = st.App(__file__, routes=all_routes(), middleware=all_middleware(), lifespan=lifespan)

if st.runtime.exists():
    from booking.ui.shell import run

    run()
