"""Mapping helpers every loader shares: region filter, places, periods, actors with roles.

A loader's ``map(record, ctx)`` calls these and the CIDOC-CRM blocks of
``ctx.b`` (a :class:`graph.crm.Builder`); nothing here knows a source format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .crm import Builder
from .geo import Geography, is_insee_code
from .iri import Minter
from .periods import Period, combine, parse_period
from .records import RecordError, Skipped

HAUTS_DE_FRANCE = "32"

_ROLE = re.compile(r"^(?P<name>.*?)\s*\((?P<role>[^()]*)\)\s*$")
_ANONYMOUS = re.compile(r"^(anonyme|auteur inconnu|inconnu|anonymous|unknown)\b", re.I)
_COORDS = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*[,; ]\s*(-?\d+(?:[.,]\d+)?)\s*$")


class MappingContext:
    """What a mapper needs besides its record: the builder, the dataset, the region filter, geography."""

    def __init__(self, minter: Minter, dataset: str, region: str | None = HAUTS_DE_FRANCE,
                 geo: Geography | None = None, declared: set[str] | None = None) -> None:
        self.m = minter
        self.b = Builder(minter, declared)
        self.dataset_name = dataset
        self.dataset = minter.dataset(dataset)
        self.region = region
        self.geo = geo or Geography.default()
        self.periods_unread = 0

    # -- region filter -----------------------------------------------------
    def record_region(self, insee: Iterable[str] = (), departments: Iterable[str] = (),
                      region_labels: Iterable[str] = (), communes: Iterable[str] = ()) -> str | None:
        """The region code a record belongs to, from the most precise clue it gives."""
        geo = self.geo
        for code in insee:
            if (r := geo.region_of_insee(code)) is not None:
                return r
        for code in departments:
            if (d := geo.department(code)) is not None:
                return d.region
        for label in region_labels:
            if (r := geo.region_of_label(label)) is not None:
                return r
        for name in communes:
            if (c := geo.find_commune(name)) is not None:
                return c.region
        return None

    def require_region(self, keep_unknown: bool = False, **clues: Iterable[str]) -> None:
        """Raise :class:`Skipped` when the region filter is on and the record is outside it.

        A record whose clues name no known place is skipped too, unless
        ``keep_unknown`` (sources that are regional by nature, such as one
        archive service's finding aid, keep records that say nothing of place).
        """
        if self.region is None:
            return
        found = self.record_region(**clues)
        if found is None:
            if keep_unknown:
                return
            raise Skipped(f"no location to check against region {self.region}")
        if found != self.region:
            raise Skipped(f"outside region {self.region} (region {found})")

    # -- places --------------------------------------------------------------
    def commune(self, insee: str, name: str | None = None) -> str:
        """The commune of an INSEE code, within its department and region.

        A former code resolves to the current commune; an unknown but
        well-formed code keeps its own IRI, named as the source names it.
        """
        code = insee.strip().upper()
        if not is_insee_code(code):
            raise RecordError(f"malformed INSEE code {insee!r}")
        b, geo = self.b, self.geo
        known = geo.commune(code)
        if known is not None:
            department = self.department(known.department)
            return b.place(self.m.commune(known.code), known.name, "commune", department,
                           identifier=("insee", known.code))
        dep_code = code[:3] if code.startswith("97") else code[:2]
        department = self.department(dep_code) if geo.department(dep_code) else None
        return b.place(self.m.commune(code), name, "commune", department, identifier=("insee", code))

    def department(self, code: str) -> str:
        dep = self.geo.department(code)
        if dep is None:
            raise RecordError(f"unknown department {code!r}")
        region = self.geo.region(dep.region)
        region_term = self.b.place(self.m.region(dep.region), region[1] if region else None, "region",
                                   identifier=("insee-region", dep.region))
        return self.b.place(self.m.department(dep.code), dep.name, "department", region_term,
                            identifier=("insee-department", dep.code))

    @staticmethod
    def coordinates(text: str) -> tuple[float, float] | None:
        """``"49.8943, 2.3022"`` (lat, lon) → floats, or None when unreadable or outside the globe."""
        m = _COORDS.match(text)
        if not m:
            return None
        lat, lon = (float(g.replace(",", ".")) for g in m.groups())
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            return None
        return lat, lon

    # -- periods ---------------------------------------------------------------
    def dated(self, event: str, values: Iterable[str]) -> str | None:
        """A time-span for ``event`` from period expressions; unreadable ones kept as text and counted."""
        values = [v.strip() for v in values if v and v.strip()]
        if not values:
            return None
        periods: list[Period] = []
        for v in values:
            p = parse_period(v)
            if p is None:
                self.periods_unread += 1
            else:
                periods.append(p)
        span = combine(periods) if len(periods) == len(values) else None
        return self.b.timespan(event, " ; ".join(values), span)

    # -- actors ----------------------------------------------------------------
    @staticmethod
    def name_and_role(text: str) -> tuple[str, str | None]:
        """``"Viollet-le-Duc Eugène (architecte)"`` → ``("Viollet-le-Duc Eugène", "architecte")``."""
        m = _ROLE.match(text.strip())
        if m and m.group("name"):
            return m.group("name").strip(" ,"), (m.group("role").strip() or None)
        return text.strip(), None

    @staticmethod
    def is_anonymous(name: str) -> bool:
        return bool(_ANONYMOUS.match(name.strip()))
