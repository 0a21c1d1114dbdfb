"""The Lambert projections against IGN's published test values (NT/G 71, NT/G 80 jeux d'essai)."""

from __future__ import annotations

import math

import pytest

from graph import lambert as L

E_TEST = 0.08199188998  # the eccentricity of IGN's ALG0001/0002 test cases
# ALG0003/0004's projection: Lambert I (not cartographic), as IGN's test gives its constants
LAMBERT_I_TEST = L.Constants(0.760405966, 11603796.9767, 600000.0, 5657616.674, 0.04079234433,
                             L.Ellipsoid(6378249.2, 0.0824832568))
CLARKE_TEST = L.Ellipsoid(6378249.2, 0.08248325679)


@pytest.mark.parametrize(("phi", "latiso"), [(0.872664626, 1.00552653648), (-0.29999999997, -0.30261690060),
                                             (0.19998903369, 0.2)])
def test_alg0001_alg0002_isometric_latitude(phi: float, latiso: float):
    assert L.isometric_latitude(phi, E_TEST) == pytest.approx(latiso, abs=1e-11)
    assert L.latitude_from_isometric(latiso, E_TEST) == pytest.approx(phi, abs=1e-11)


def test_alg0003_geographic_to_lambert():
    x, y = L.geographic_to_lambert(0.145512099, 0.872664626, LAMBERT_I_TEST)
    assert (x, y) == (pytest.approx(1029705.0818, abs=1e-4), pytest.approx(272723.8510, abs=1e-4))


def test_alg0004_lambert_to_geographic():
    lam, phi = L.lambert_to_geographic(1029705.083, 272723.849, LAMBERT_I_TEST)
    assert (lam, phi) == (pytest.approx(0.14551209925, abs=1e-11), pytest.approx(0.87266462567, abs=1e-11))


def test_alg0021_great_normal():
    assert L.great_normal(0.977384381, 6378388.0, 0.08199189) == pytest.approx(6393174.9755, abs=1e-3)


@pytest.mark.parametrize(("lam", "phi", "h", "xyz"), [
    (0.01745329248, 0.02036217457, 100.0, (6376064.6955, 111294.6230, 128984.7250)),
    (0.00290888212, 0.0, 10.0, (6378232.2149, 18553.5780, 0.0))])
def test_alg0009_geographic_to_cartesian(lam, phi, h, xyz):
    assert L.geographic_to_cartesian(lam, phi, h, CLARKE_TEST) == pytest.approx(xyz, abs=1e-3)


@pytest.mark.parametrize(("xyz", "expected"), [
    ((6376064.695, 111294.623, 128984.725), (0.01745329248, 0.02036217457, 99.9995)),
    ((6376897.537, 37099.705, -202730.907), (0.00581776423, -0.03199770301, 2000.0001))])
def test_alg0012_cartesian_to_geographic(xyz, expected):
    lam, phi, h = L.cartesian_to_geographic(*xyz, CLARKE_TEST)
    assert (lam, phi) == (pytest.approx(expected[0], abs=1e-11), pytest.approx(expected[1], abs=1e-11))
    assert h == pytest.approx(expected[2], abs=1e-3)


@pytest.mark.parametrize(("args", "expected"), [
    ((0.07623554539, math.pi / 2, 0.869755744, 0.893026801, 150000.0, 5400000.0),
     (0.7716421867, 11565915.8294, 150000.0, 5400000.0)),
    ((0.0, 0.0, -0.575958653, -0.785398163, 0.0, 0.0), (-0.63049633, -12453174.1795, 0.0, -12453174.1795))])
def test_alg0054_secant_constants(args, expected):
    k = L.secant_constants(L.Ellipsoid(6378388.0, 0.08199189), *args)
    assert k.n == pytest.approx(expected[0], abs=1e-8)
    assert (k.c, k.xs, k.ys) == pytest.approx(expected[1:], abs=1e-3)


# IGN's table of the projections' constants (n, C, Xs, Ys), as published with Lambert-93 and the NTF zones
@pytest.mark.parametrize(("name", "n", "c", "xs", "ys"), [
    ("lambert1", 0.7604059656, 11603796.98, 600000.0, 5657616.674),
    ("lambert2", 0.7289686274, 11745793.39, 600000.0, 6199695.768),
    ("lambert3", 0.6959127966, 11947992.52, 600000.0, 6791905.085),
    ("lambert4", 0.6712679322, 12136281.99, 234.358, 7239161.542),
    ("lambert2_etendu", 0.7289686274, 11745793.39, 600000.0, 8199695.768),
    ("lambert1_carto", 0.7604059656, 11603796.98, 600000.0, 6657616.674),
    ("lambert93", 0.7256077650, 11754255.426, 700000.0, 12655612.050)])
def test_alg0019_alg0054_constants_of_the_french_projections(name, n, c, xs, ys):
    k = L.projections()[name].constants
    assert k.n == pytest.approx(n, abs=1e-9)
    assert (k.c, k.xs, k.ys) == pytest.approx((c, xs, ys), abs=0.01)


def test_ign_example_lambert_i_to_lambert_ii_etendu():
    """IGN's worked example: Lambert I (750 000, 300 000) is (750 283.12, 2 600 360.77) in Lambert II étendu."""
    p = L.projections()
    lam, phi = L.lambert_to_geographic(750000.0, 300000.0, p["lambert1"].constants)
    assert L.geographic_to_lambert(lam, phi, p["lambert2_etendu"].constants) == pytest.approx(
        (750283.12, 2600360.77), abs=0.01)


def test_one_ntf_point_in_three_projections_is_one_wgs84_point():
    """Strasbourg, 6 gr east of Paris and 54 gr north in NTF: the same place to a few metres from each projection."""
    points = [L.to_wgs84(997960.0, 114185.0, "lambert1"), L.to_wgs84(998137.0, 2413822.0, "lambert2_etendu"),
              L.to_wgs84(1049052.0, 6843777.0, "lambert93")]
    for lat, lon in points:
        assert lat == pytest.approx(48.59997, abs=5e-5) and lon == pytest.approx(7.73672, abs=5e-5)


def test_the_ntf_datum_shift_moves_a_point_by_metres_not_more():
    p = L.projections()["lambert2_etendu"].constants
    lam, phi = L.lambert_to_geographic(600000.0, 2200000.0, p)  # the origin: 46.8° N on the Paris meridian
    lat, lon = L.to_wgs84(600000.0, 2200000.0, "lambert2_etendu")
    assert (math.degrees(phi), math.degrees(lam)) == pytest.approx((46.8, math.degrees(L.PARIS)), abs=1e-9)
    shift = math.hypot((lat - 46.8) * 111_200, (lon - math.degrees(L.PARIS)) * 111_200 * math.cos(math.radians(46.8)))
    assert 50 < shift < 200  # NTF and WGS84 differ by about a hundred metres in France


def test_round_trip_in_every_projection():
    for name, p in L.projections().items():
        lam, phi = math.radians(2.3), math.radians(48.0 if "4" not in name else 42.2)
        x, y = L.geographic_to_lambert(lam, phi, p.constants)
        back = L.lambert_to_geographic(x, y, p.constants)
        assert back == pytest.approx((lam, phi), abs=1e-11), name
