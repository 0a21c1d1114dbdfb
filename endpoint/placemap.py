"""A place's coordinates, read from the data, and a small self-contained SVG map of them.

No tiles and no script: a frame of Hauts-de-France (endpoint/publication.json)
with a graticule and the prefectures to find one's way, the point, and a plain
link to OpenStreetMap for those who want a real map.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pyoxigraph as ox

from graph.namespaces import CRM, WGS84

from .html import Markup, escape, link, tag
from .vocabulary import publication

_POINT = re.compile(r"POINT\s*\(\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s+(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*\)", re.I)
P168 = CRM.iri("P168_place_is_defined_by")
LAT, LONG = WGS84.iri("lat"), WGS84.iri("long")
WIDTH = 320


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float
    place: str  # the IRI of the place it locates


def wkt_point(text: str) -> tuple[float, float] | None:
    """``POINT(2.2958 49.8941)`` (longitude first, as WKT has it) → ``(49.8941, 2.2958)``."""
    m = _POINT.search(text)
    if not m:
        return None
    lon, lat = float(m.group(1)), float(m.group(2))
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return lat, lon
    return None


def points(triples: list[ox.Triple]) -> list[Point]:
    """Every point the triples give: WKT (``P168_place_is_defined_by``) or wgs84_pos lat/long pairs."""
    found: dict[str, Point] = {}
    lats: dict[str, float] = {}
    longs: dict[str, float] = {}
    for t in triples:
        if not isinstance(t.object, ox.Literal) or not isinstance(t.subject, ox.NamedNode):
            continue
        p, s = t.predicate.value, t.subject.value
        try:
            if p == P168 and (xy := wkt_point(t.object.value)):
                found.setdefault(s, Point(xy[0], xy[1], s))
            elif p == LAT:
                lats[s] = float(t.object.value)
            elif p == LONG:
                longs[s] = float(t.object.value)
        except ValueError:
            continue
    for s, lat in lats.items():
        if s in longs and s not in found and -90 <= lat <= 90 and -180 <= longs[s] <= 180:
            found[s] = Point(lat, longs[s], s)
    return list(found.values())


def _frame(pts: list[Point]) -> dict[str, float]:
    frame = dict(publication()["map"]["frame"])
    if all(frame["south"] <= p.lat <= frame["north"] and frame["west"] <= p.lon <= frame["east"] for p in pts):
        return frame
    lat = sum(p.lat for p in pts) / len(pts)
    lon = sum(p.lon for p in pts) / len(pts)
    span = max(0.5, max(max(abs(p.lat - lat), abs(p.lon - lon)) for p in pts) * 1.3)
    return {"west": lon - span, "east": lon + span, "south": lat - span, "north": lat + span}


def svg(pts: list[Point], labels: dict[str, str]) -> Markup:
    """The map of ``pts`` (``labels``: place IRI → name, for the tooltips)."""
    f = _frame(pts)
    mid = math.radians((f["north"] + f["south"]) / 2)
    height = round(WIDTH * (f["north"] - f["south"]) / ((f["east"] - f["west"]) * math.cos(mid)))

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (round((lon - f["west"]) / (f["east"] - f["west"]) * WIDTH, 1),
                round((f["north"] - lat) / (f["north"] - f["south"]) * height, 1))

    parts = [f'<rect width="{WIDTH}" height="{height}" class="map-bg"/>']
    for lon in range(math.ceil(f["west"]), math.floor(f["east"]) + 1):
        x, _ = xy(f["north"], lon)
        parts.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{height}" class="map-grid"/>'
                     f'<text x="{x + 2}" y="{height - 3}" class="map-grid-label">{lon}°E</text>')
    for lat in range(math.ceil(f["south"]), math.floor(f["north"]) + 1):
        _, y = xy(lat, f["west"])
        parts.append(f'<line x1="0" y1="{y}" x2="{WIDTH}" y2="{y}" class="map-grid"/>'
                     f'<text x="2" y="{y - 2}" class="map-grid-label">{lat}°N</text>')
    for ref in publication()["map"]["references"]:
        if f["south"] <= ref["lat"] <= f["north"] and f["west"] <= ref["lon"] <= f["east"]:
            x, y = xy(ref["lat"], ref["lon"])
            parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" class="map-ref"/>'
                         f'<text x="{x + 4}" y="{y + 3}" class="map-ref-label">{escape(ref["name"])}</text>')
    for p in pts:
        x, y = xy(p.lat, p.lon)
        title = f"{labels.get(p.place) or p.place}: {p.lat:.5f}, {p.lon:.5f}"
        parts.append(f'<circle cx="{x}" cy="{y}" r="5" class="map-point"><title>{escape(title)}</title></circle>')
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="map" role="img" width="{WIDTH}" '
                  f'height="{height}" viewBox="0 0 {WIDTH} {height}" aria-label="map">{"".join(parts)}</svg>')


def section(pts: list[Point], labels: dict[str, str], heading: str = "Location") -> Markup:
    if not pts:
        return Markup("")
    items = []
    for p in pts:
        osm = f"https://www.openstreetmap.org/?mlat={p.lat:.6f}&mlon={p.lon:.6f}#map=16/{p.lat:.6f}/{p.lon:.6f}"
        items.append(tag("li", Markup(f"{escape(labels.get(p.place) or '')} "
                                      f"<span class=\"coords\">{p.lat:.5f}, {p.lon:.5f}</span> — ")
                     + link(osm, "OpenStreetMap", rel="nofollow")))
    return tag("section", Markup(tag("h2", heading) + svg(pts, labels) + tag("ul", Markup("".join(items)))),
               class_="map-section")
