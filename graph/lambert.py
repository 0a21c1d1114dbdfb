"""French Lambert projections (NTF Lambert I–IV, II étendu; RGF93 Lambert-93) to WGS84 latitude and longitude.

The algorithms are IGN's, numbered as in its published notes (NT/G 71, *Projection cartographique
conique conforme de Lambert*; NT/G 80, *Changement de système géodésique*): ALG0001/0002
(isometric latitude), ALG0003/0004 (geographic ↔ Lambert), ALG0009/0012 (geographic ↔
cartesian), ALG0019/0054 (constants of a tangent / secant projection), ALG0021 (great normal).
tests/test_lambert.py checks each against IGN's test values.

NTF coordinates reach WGS84 through IGN's three-parameter geocentric translation NTF → WGS84
(−168 m, −60 m, +320 m): a few metres off the official grid (gr3df97a), which is far below what a
monument's or an object's position needs. RGF93 (Lambert-93) is taken as WGS84 (under a metre).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

EPSILON = 1e-11  # IGN's convergence threshold, radians


@dataclass(frozen=True, slots=True)
class Ellipsoid:
    a: float  # semi-major axis, metres
    e: float  # first eccentricity


CLARKE_1880_IGN = Ellipsoid(6378249.2, math.sqrt(1 - (6356515.0 / 6378249.2) ** 2))
GRS80 = Ellipsoid(6378137.0, math.sqrt(2 / 298.257222101 - (1 / 298.257222101) ** 2))
WGS84 = Ellipsoid(6378137.0, math.sqrt(2 / 298.257223563 - (1 / 298.257223563) ** 2))
NTF_TO_WGS84 = (-168.0, -60.0, 320.0)  # IGN's geocentric translation, metres
PARIS = math.radians(2 + 20 / 60 + 14.025 / 3600)  # the Paris meridian east of Greenwich


def grades(g: float) -> float:
    return g * math.pi / 200


@dataclass(frozen=True, slots=True)
class Constants:
    """A Lambert projection as IGN computes with it: ``n``, ``C``, ``Xs``, ``Ys``, ``λc``."""

    n: float
    c: float
    xs: float
    ys: float
    lambda_c: float
    ellipsoid: Ellipsoid


@dataclass(frozen=True, slots=True)
class Projection:
    name: str
    constants: Constants
    ntf: bool  # NTF coordinates (shifted to WGS84); else RGF93


def isometric_latitude(phi: float, e: float) -> float:
    """ALG0001."""
    s = e * math.sin(phi)
    return math.log(math.tan(math.pi / 4 + phi / 2) * ((1 - s) / (1 + s)) ** (e / 2))


def latitude_from_isometric(latiso: float, e: float, eps: float = EPSILON) -> float:
    """ALG0002."""
    phi = 2 * math.atan(math.exp(latiso)) - math.pi / 2
    for _ in range(100):
        s = e * math.sin(phi)
        nxt = 2 * math.atan(((1 + s) / (1 - s)) ** (e / 2) * math.exp(latiso)) - math.pi / 2
        if abs(nxt - phi) < eps:
            return nxt
        phi = nxt
    return phi


def geographic_to_lambert(lam: float, phi: float, k: Constants) -> tuple[float, float]:
    """ALG0003: (λ, φ) in radians east of Greenwich → (X, Y) in metres."""
    r = k.c * math.exp(-k.n * isometric_latitude(phi, k.ellipsoid.e))
    g = k.n * (lam - k.lambda_c)
    return k.xs + r * math.sin(g), k.ys - r * math.cos(g)


def lambert_to_geographic(x: float, y: float, k: Constants, eps: float = EPSILON) -> tuple[float, float]:
    """ALG0004: (X, Y) in metres → (λ, φ) in radians east of Greenwich."""
    dx, dy = x - k.xs, y - k.ys
    r = math.hypot(dx, dy)
    gamma = math.atan(dx / -dy)
    latiso = -math.log(abs(r / k.c)) / k.n
    return k.lambda_c + gamma / k.n, latitude_from_isometric(latiso, k.ellipsoid.e, eps)


def great_normal(phi: float, a: float, e: float) -> float:
    """ALG0021."""
    return a / math.sqrt(1 - (e * math.sin(phi)) ** 2)


def geographic_to_cartesian(lam: float, phi: float, h: float, ell: Ellipsoid) -> tuple[float, float, float]:
    """ALG0009."""
    n = great_normal(phi, ell.a, ell.e)
    return ((n + h) * math.cos(phi) * math.cos(lam), (n + h) * math.cos(phi) * math.sin(lam),
            (n * (1 - ell.e ** 2) + h) * math.sin(phi))


def cartesian_to_geographic(x: float, y: float, z: float, ell: Ellipsoid,
                            eps: float = EPSILON) -> tuple[float, float, float]:
    """ALG0012: → (λ, φ, h)."""
    a, e2 = ell.a, ell.e ** 2
    p = math.hypot(x, y)
    lam = math.atan2(y, x)
    phi = math.atan(z / (p * (1 - a * e2 / math.sqrt(x * x + y * y + z * z))))
    for _ in range(100):
        nxt = math.atan(z / p / (1 - a * e2 * math.cos(phi) / (p * math.sqrt(1 - e2 * math.sin(phi) ** 2))))
        if abs(nxt - phi) < eps:
            phi = nxt
            break
        phi = nxt
    h = p / math.cos(phi) - a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    return lam, phi, h


def tangent_constants(ell: Ellipsoid, lambda0: float, phi0: float, k0: float, x0: float, y0: float) -> Constants:
    """ALG0019: a tangent projection (NTF Lambert zones)."""
    n = math.sin(phi0)
    r0 = k0 * great_normal(phi0, ell.a, ell.e) / math.tan(phi0)
    c = r0 * math.exp(n * isometric_latitude(phi0, ell.e))
    return Constants(n, c, x0, y0 + r0, lambda0, ell)


def secant_constants(ell: Ellipsoid, lambda0: float, phi0: float, phi1: float, phi2: float,
                     x0: float, y0: float) -> Constants:
    """ALG0054: a secant projection (Lambert-93)."""
    n1 = great_normal(phi1, ell.a, ell.e) * math.cos(phi1)
    n2 = great_normal(phi2, ell.a, ell.e) * math.cos(phi2)
    l1, l2 = isometric_latitude(phi1, ell.e), isometric_latitude(phi2, ell.e)
    n = math.log(n2 / n1) / (l1 - l2)
    c = n1 / n * math.exp(n * l1)
    if abs(phi0 - math.pi / 2) < 1e-12:
        return Constants(n, c, x0, y0, lambda0, ell)
    return Constants(n, c, x0, y0 + c * math.exp(-n * isometric_latitude(phi0, ell.e)), lambda0, ell)


def _zone(phi0_gr: float, k0: float, x0: float, y0: float) -> Constants:
    return tangent_constants(CLARKE_1880_IGN, PARIS, grades(phi0_gr), k0, x0, y0)


@cache
def projections() -> dict[str, Projection]:
    """The French Lambert projections by name; ``_carto`` zones carry the zone's million in Y."""
    zones = {"lambert1": (55, 0.99987734, 600000.0, 200000.0), "lambert2": (52, 0.99987742, 600000.0, 200000.0),
             "lambert3": (49, 0.99987750, 600000.0, 200000.0),
             "lambert4": (46.85, 0.99994471, 234.358, 185861.369)}
    out = {}
    for name, (phi0, k0, x0, y0) in zones.items():
        number = int(name[-1])
        out[name] = Projection(name, _zone(phi0, k0, x0, y0), True)
        out[name + "_carto"] = Projection(name + "_carto", _zone(phi0, k0, x0, y0 + number * 1e6), True)
    out["lambert2_etendu"] = Projection("lambert2_etendu", _zone(52, 0.99987742, 600000.0, 2200000.0), True)
    out["lambert93"] = Projection("lambert93", secant_constants(
        GRS80, math.radians(3), math.radians(46.5), math.radians(44), math.radians(49), 700000.0, 6600000.0), False)
    return out


def ntf_to_wgs84(lam: float, phi: float) -> tuple[float, float]:
    """NTF geographic (radians, Greenwich) → WGS84, through the geocentric translation (ALG0009, ALG0012)."""
    x, y, z = geographic_to_cartesian(lam, phi, 0.0, CLARKE_1880_IGN)
    tx, ty, tz = NTF_TO_WGS84
    lam2, phi2, _ = cartesian_to_geographic(x + tx, y + ty, z + tz, WGS84)
    return lam2, phi2


def to_wgs84(x: float, y: float, projection: str) -> tuple[float, float]:
    """(X, Y) in a named projection (:func:`projections`) → WGS84 (lat, lon) in degrees."""
    p = projections()[projection]
    lam, phi = lambert_to_geographic(x, y, p.constants)
    if p.ntf:
        lam, phi = ntf_to_wgs84(lam, phi)
    return math.degrees(phi), math.degrees(lam)
