"""Maps drawn locally with Altair: points and route lines on longitude/latitude axes, the
gazetteer's communes as light landmarks. No tiles, no CDN, no third-party request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from booking.planning.db_season import landmarks


def _landmark_layer(marks: list[dict[str, Any]], box: tuple[float, float, float, float]) -> Any:
    lat0, lat1, lon0, lon1 = box
    inside = [m for m in marks if lat0 <= m["lat"] <= lat1 and lon0 <= m["lon"] <= lon1]
    base = alt.Chart(alt.Data(values=inside))
    dots = base.mark_circle(size=12, color="#bbbbbb").encode(
        longitude="lon:Q", latitude="lat:Q", tooltip=["label:N"]
    )
    names = base.mark_text(fontSize=9, color="#999999", dx=4, align="left").encode(
        longitude="lon:Q", latitude="lat:Q", text="label:N"
    )
    return dots + names


def _box(points: Sequence[dict[str, Any]]) -> tuple[float, float, float, float]:
    lats = [p["lat"] for p in points] or [45.76]
    lons = [p["lon"] for p in points] or [4.84]
    pad = 0.01
    return min(lats) - pad, max(lats) + pad, min(lons) - pad, max(lons) + pad


def route_chart(route: Sequence[tuple[float, float, str]], *, height: int = 380) -> Any:
    """One van day: the places in driving order, numbered, joined by lines."""
    points = [
        {"lat": lat, "lon": lon, "label": label, "order": i}
        for i, (lat, lon, label) in enumerate(route)
    ]
    box = _box(points)
    base = alt.Chart(alt.Data(values=points))
    line = base.mark_line(color="#1e5aa0", strokeWidth=2).encode(
        longitude="lon:Q", latitude="lat:Q", order="order:Q"
    )
    dots = base.mark_circle(size=160, color="#1e5aa0").encode(
        longitude="lon:Q", latitude="lat:Q", tooltip=["order:Q", "label:N"]
    )
    numbers = base.mark_text(color="white", fontWeight="bold", fontSize=10).encode(
        longitude="lon:Q", latitude="lat:Q", text="order:Q"
    )
    chart = _landmark_layer(landmarks(), box) + line + dots + numbers
    return chart.project(type="mercator").properties(height=height)


def season_chart(
    points: Sequence[dict[str, Any]],
    lines: Sequence[dict[str, Any]] = (),
    *,
    height: int = 480,
) -> Any:
    """The season: every stop (coloured by kit), the depots, and the legs as straight lines."""
    box = _box(points)
    layers = _landmark_layer(landmarks(), box)
    if lines:
        layers = layers + alt.Chart(alt.Data(values=list(lines))).mark_rule(
            color="#1e5aa0", opacity=0.25
        ).encode(longitude="lon:Q", latitude="lat:Q", longitude2="lon2:Q", latitude2="lat2:Q")
    stops = [p for p in points if p.get("kind") != "depot"]
    depots = [p for p in points if p.get("kind") == "depot"]
    layers = layers + alt.Chart(alt.Data(values=stops)).mark_circle(size=70).encode(
        longitude="lon:Q",
        latitude="lat:Q",
        color=alt.Color("kit:N", title="Kit"),
        tooltip=["label:N", "kit:N", "install:N"],
    )
    layers = layers + alt.Chart(alt.Data(values=depots)).mark_square(
        size=140, color="black"
    ).encode(longitude="lon:Q", latitude="lat:Q", tooltip=["label:N"])
    return layers.project(type="mercator").properties(height=height)
