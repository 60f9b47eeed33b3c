"""`streamlit_app.py` as the feeds need it wired: the same routes and lifespan, plus
`booking.web.feeds.MIDDLEWARE`, which keeps Streamlit's gzip middleware off the feeds.
Served by `streamlit run` in test_serve.py (not a test module itself)."""

import streamlit as st

from booking.web import all_routes
from booking.web.feeds import MIDDLEWARE
from booking.web.lifespan import lifespan

app = st.App(__file__, routes=all_routes(), middleware=MIDDLEWARE, lifespan=lifespan)

if st.runtime.exists():
    st.write("Tournée – feeds test app")
