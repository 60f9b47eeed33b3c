"""A venue's point on a map drawn locally: no tiles, no third-party request (privacy rule).

The point and the nearest communes of the shipped gazetteer as landmarks, in an Altair chart
(Vega-Lite is bundled with Streamlit).
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from booking.geocoding import nearest_communes


def show_point(lat: float, lon: float, label: str, *, landmarks: int = 8) -> None:
    rows = [
        {"lat": c.lat, "lon": c.lon, "name": c.short_name, "kind": "commune"}
        for c, _km in nearest_communes(lat, lon, landmarks)
    ]
    rows.append({"lat": lat, "lon": lon, "name": label, "kind": "venue"})
    base = alt.Chart(alt.Data(values=rows)).project(type="mercator")
    dots = base.mark_circle().encode(
        longitude="lon:Q",
        latitude="lat:Q",
        size=alt.Size(
            "kind:N", scale=alt.Scale(domain=["commune", "venue"], range=[40, 260]), legend=None
        ),
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=["commune", "venue"], range=["#9e9e9e", "#b0005c"]),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("name:N"),
            alt.Tooltip("lat:Q", format=".5f"),
            alt.Tooltip("lon:Q", format=".5f"),
        ],
    )
    names = base.mark_text(dy=-10, fontSize=11).encode(
        longitude="lon:Q", latitude="lat:Q", text="name:N"
    )
    st.altair_chart((dots + names).properties(height=320), width="stretch")
