"""Mérimée and Palissy coordinates in Lambert (``COOR``, ``COORM``, ``ZONE``) read into WGS84.

POP writes a building's point as ``COOR`` = ``X ; Y`` in metres and its outline as ``COORM`` =
``X ; Y / X ; Y / ...``, in the projection ``ZONE`` names (``Lambert0``, ``Lambert1``,
``Lambert93``...; loaders/pop/profile.json says which projection each is). Inventory records of
the zones' cartographic forms sometimes write Y with the zone's number before seven digits
(``10091150`` for Lambert I's 1 091 150): read as such when that is the only way Y fits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from graph import lambert

_SPACES = re.compile(r"[\s_\-]+")
_CARTO = re.compile(r"^lambert([1-4])_carto$")


@dataclass(frozen=True, slots=True)
class Coordinates:
    """What a record's Lambert fields give: the point (lat, lon) or why not, and the text as written."""

    written: str
    point: tuple[float, float] | None = None
    problem: str | None = None


def _pair(text: str) -> tuple[float, float] | None:
    parts = [p.strip().replace(",", ".") for p in text.split(";")]
    if len(parts) != 2:
        return None
    try:
        x, y = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return (x, y) if x == x and y == y else None  # NaN


def _centroid(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The centroid of a polygon's area, in the projection's plane (of its vertices when it has no area)."""
    closed = points + [points[0]]
    twice_area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(closed, closed[1:]):
        f = x0 * y1 - x1 * y0
        twice_area += f
        cx += (x0 + x1) * f
        cy += (y0 + y1) * f
    if abs(twice_area) < 1e-9:
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    return cx / (3 * twice_area), cy / (3 * twice_area)


def _zone_prefixed(y: float, projection: str) -> float:
    """``10091150`` in Lambert I (carto) → 1 091 150: the zone's number written before a seven-digit Y."""
    m = _CARTO.match(projection)
    if m:
        zone = int(m.group(1))
        if zone * 10_000_000 <= y < (zone + 1) * 10_000_000:
            return y - zone * 9_000_000
    return y


def _zone_key(zone: str) -> str:
    """``Lambert II étendu`` → ``lambertiietendu``: lower case, no accents, no spaces, dashes or underscores."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", zone) if not unicodedata.combining(c))
    return _SPACES.sub("", plain.lower())


def _in_france(point: tuple[float, float], france: dict) -> bool:
    lat, lon = point
    return france["south"] < lat < france["north"] and france["west"] < lon < france["east"]


def read(coor: str | None, coorm: str | None, zone: str | None, profile: dict) -> Coordinates | None:
    """The point of ``COOR`` (else the centroid of ``COORM``) in ``ZONE``; None when neither is written (or 0 ; 0)."""
    coor, coorm = (coor or "").strip(), (coorm or "").strip()
    if not coor and not coorm:
        return None
    field, text = ("COOR", coor) if coor else ("COORM", coorm)
    written = f"{field} {text} (ZONE {zone.strip() if zone and zone.strip() else '(vide)'})"
    projections = profile["zones"].get(_zone_key(zone or ""))
    if not zone or not zone.strip():
        return Coordinates(written, problem="no ZONE names the projection")
    if projections is None:
        return Coordinates(written, problem=f"ZONE {zone.strip()!r} is not a projection this loader reads")
    pairs = [_pair(part) for part in text.split("/")] if field == "COORM" else [_pair(text)]
    if not pairs or any(p is None for p in pairs):
        return Coordinates(written, problem="not X ; Y in metres")
    if all(p == (0.0, 0.0) for p in pairs):  # POP's "unknown", as for POP_COORDONNEES
        return None
    for projection in projections:
        xy = [(x, _zone_prefixed(y, projection)) for x, y in pairs]  # type: ignore[misc]
        x, y = _centroid(xy) if len(xy) > 1 else xy[0]
        try:
            point = lambert.to_wgs84(x, y, projection)
        except (ValueError, ZeroDivisionError, OverflowError):  # the projection's pole, or far beyond it
            continue
        if _in_france(point, profile["france"]):
            return Coordinates(written, point)
    return Coordinates(written, problem=f"outside France in {zone.strip()}")
