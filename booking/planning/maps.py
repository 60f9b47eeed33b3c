"""Maps drawn locally with Vega-Lite: points and route lines on longitude/latitude axes, the
gazetteer's communes as light landmarks. No tiles, no CDN, no third-party request.

The charts are Vega-Lite specifications as plain dicts, for `st.vega_lite_chart`: building
the same charts with Altair cost more than the rest of the page (Altair checks every
encoding and every datum against the Vega-Lite schema on each render)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from booking.planning.db_season import landmarks

_LON = {"field": "lon", "type": "quantitative"}
_LAT = {"field": "lat", "type": "quantitative"}


def _nominal(field: str, title: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"field": field, "type": "nominal"}
    if title is not None:
        spec["title"] = title
    return spec


def _landmark_layer(marks: list[dict[str, Any]], box: tuple[float, float, float, float]) -> Any:
    lat0, lat1, lon0, lon1 = box
    inside = [m for m in marks if lat0 <= m["lat"] <= lat1 and lon0 <= m["lon"] <= lon1]
    return {
        "data": {"values": inside},
        "layer": [
            {
                "mark": {"type": "circle", "size": 12, "color": "#bbbbbb"},
                "encoding": {"longitude": _LON, "latitude": _LAT, "tooltip": [_nominal("label")]},
            },
            {
                "mark": {
                    "type": "text",
                    "fontSize": 9,
                    "color": "#999999",
                    "dx": 4,
                    "align": "left",
                },
                "encoding": {"longitude": _LON, "latitude": _LAT, "text": _nominal("label")},
            },
        ],
    }


def _box(points: Sequence[dict[str, Any]]) -> tuple[float, float, float, float]:
    lats = [p["lat"] for p in points] or [45.76]
    lons = [p["lon"] for p in points] or [4.84]
    pad = 0.01
    return min(lats) - pad, max(lats) + pad, min(lons) - pad, max(lons) + pad


def _map(layers: list[dict[str, Any]], height: int, description: str) -> dict[str, Any]:
    # Vega puts `description` in the chart's aria-label: the map's text alternative.
    spec = {"layer": layers, "projection": {"type": "mercator"}, "height": height}
    return {"description": description, **spec} if description else spec


def route_chart(
    route: Sequence[tuple[float, float, str]], *, height: int = 380, description: str = ""
) -> dict[str, Any]:
    """One van day: the places in driving order, numbered, joined by lines; `description` is
    said to screen readers in its place."""
    points = [
        {"lat": lat, "lon": lon, "label": label, "order": i}
        for i, (lat, lon, label) in enumerate(route)
    ]
    order = {"field": "order", "type": "quantitative"}
    route_layers = {
        "data": {"values": points},
        "layer": [
            {
                "mark": {"type": "line", "color": "#1e5aa0", "strokeWidth": 2},
                "encoding": {"longitude": _LON, "latitude": _LAT, "order": order},
            },
            {
                "mark": {"type": "circle", "size": 160, "color": "#1e5aa0"},
                "encoding": {
                    "longitude": _LON,
                    "latitude": _LAT,
                    "tooltip": [order, _nominal("label")],
                },
            },
            {
                "mark": {"type": "text", "color": "white", "fontWeight": "bold", "fontSize": 10},
                "encoding": {"longitude": _LON, "latitude": _LAT, "text": order},
            },
        ],
    }
    return _map([_landmark_layer(landmarks(), _box(points)), route_layers], height, description)


def season_chart(
    points: Sequence[dict[str, Any]],
    lines: Sequence[dict[str, Any]] = (),
    *,
    height: int = 480,
    description: str = "",
) -> dict[str, Any]:
    """The season: every stop (coloured by kit), the depots, and the legs as straight lines;
    `description` is said to screen readers in its place."""
    layers = [_landmark_layer(landmarks(), _box(points))]
    if lines:
        layers.append(
            {
                "data": {"values": list(lines)},
                "mark": {"type": "rule", "color": "#1e5aa0", "opacity": 0.25},
                "encoding": {
                    "longitude": _LON,
                    "latitude": _LAT,
                    "longitude2": {"field": "lon2"},
                    "latitude2": {"field": "lat2"},
                },
            }
        )
    layers.append(
        {
            "data": {"values": [p for p in points if p.get("kind") != "depot"]},
            "mark": {"type": "circle", "size": 70},
            "encoding": {
                "longitude": _LON,
                "latitude": _LAT,
                "color": _nominal("kit", "Kit"),
                "tooltip": [_nominal("label"), _nominal("kit"), _nominal("install")],
            },
        }
    )
    layers.append(
        {
            "data": {"values": [p for p in points if p.get("kind") == "depot"]},
            "mark": {"type": "square", "size": 140, "color": "black"},
            "encoding": {"longitude": _LON, "latitude": _LAT, "tooltip": [_nominal("label")]},
        }
    )
    return _map(layers, height, description)
