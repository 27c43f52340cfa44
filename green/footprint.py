"""The carbon footprint of compute, set-based over the metering table (docs/green.md, "Carbon").

For the GPU servers of a lease, a lessee or a deal and a period (optionally per lessee and month),
one SQL statement aggregates every metered hour:

- facility energy = IT energy x the site's PUE (Wh);
- location-based emissions = facility energy x the site's grid factor for that hour (the imported
  hourly factor, else the site's annual one), in grams;
- hourly matched energy = facility energy x min(1, the site's green generation in that hour /
  the site's facility consumption in that hour): on-site generation shared pro rata between the
  site's consumers, hour by hour (the 24/7 score);
- embodied emissions = GPU-hours x the device's embodied grams per GPU-hour
  (kgCO2e x 1000 / (useful life years x 8,760 x GPUs)).

Sums are exact (integers in milli-Wh and g/MWh, numeric only for a partly
covered hour) and rounded once, to whole Wh and grams. Market-based
emissions then take, per country, the energy covered by retired energy certificates that meet
the GHG Protocol Scope 2 quality criteria (below) at the certificate's factor, and the rest at the
location-based factor (the energy-weighted factor of the uncovered consumption; no residual mix is
modelled). A certificate counts for a footprint when it was retired for a lessee in scope, its
reporting period lies within the footprint's period (the month, per month), its country is the
site's (same market) and its vintage falls in a calendar year of the reporting period.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import connection

from green.models.generation import WH_PER_MWH

# Integer arithmetic per row (facility energy in milli-Wh: the PUE has three decimals, so does the
# annual factor in g/kWh, i.e. whole g/MWh); exact numeric only where generation covers part of
# an hour; grouped per device first, so that the embodied rate divides once per device.
FOOTPRINT_SQL = """
WITH scope AS ({scope}),
r AS (
    SELECT sc.grp, {month} AS month, s.id AS site_id, s.country, m.device_id, m.hour, m.gpu_hours,
           m.energy_wh, m.energy_wh * (s.pue * 1000)::bigint AS facility_mwh,
           COALESCE(f.g_per_mwh, (s.grid_emission_factor * 1000)::bigint) AS g_per_mwh
    FROM scope sc
    JOIN assets_meterreading m ON m.device_id = sc.device_id
        AND m.hour >= GREATEST(%(start)s, sc.starts_on::timestamp AT TIME ZONE 'UTC')
        AND m.hour < LEAST(%(end)s, (sc.ends_on + 1)::timestamp AT TIME ZONE 'UTC')
    JOIN assets_device d ON d.id = m.device_id
    JOIN assets_site s ON s.id = d.site_id
    LEFT JOIN green_hourlyemissionfactor f ON f.site_id = s.id AND f.hour = m.hour
),
sites AS (SELECT DISTINCT site_id FROM r),
gen AS (
    SELECT d.site_id, g.hour, SUM(g.energy_wh) * 1000 AS mwh
    FROM green_generationreading g JOIN assets_device d ON d.id = g.device_id JOIN sites USING (site_id)
    WHERE g.hour >= %(start)s AND g.hour < %(end)s GROUP BY d.site_id, g.hour HAVING SUM(g.energy_wh) > 0),
cons AS (
    SELECT d.site_id, m.hour, SUM(m.energy_wh * (s.pue * 1000)::bigint) AS mwh
    FROM assets_meterreading m JOIN assets_device d ON d.id = m.device_id
    JOIN assets_site s ON s.id = d.site_id
    WHERE m.hour >= %(start)s AND m.hour < %(end)s
      AND d.site_id IN (SELECT DISTINCT site_id FROM gen)
    GROUP BY d.site_id, m.hour),
per_device AS (
    SELECT r.grp, r.month, r.country, r.device_id, SUM(r.gpu_hours) AS gpu_hours, SUM(r.energy_wh) AS it_wh,
           SUM(r.facility_mwh) AS facility_mwh, SUM(r.facility_mwh * r.g_per_mwh) AS location_x,
           SUM(CASE WHEN gen.mwh IS NULL THEN 0 WHEN gen.mwh >= cons.mwh THEN r.facility_mwh
                    ELSE r.facility_mwh::numeric * gen.mwh / cons.mwh END) AS matched_mwh
    FROM r
    LEFT JOIN gen ON gen.site_id = r.site_id AND gen.hour = r.hour
    LEFT JOIN cons ON cons.site_id = r.site_id AND cons.hour = r.hour
    GROUP BY r.grp, r.month, r.country, r.device_id)
SELECT p.grp, p.month, p.country, SUM(p.gpu_hours), SUM(p.it_wh), SUM(p.facility_mwh), SUM(p.location_x),
       SUM(COALESCE(p.gpu_hours * e.kg_co2e * 1000.0 / (d.useful_life_years * 8760 * d.gpu_count), 0)),
       SUM(p.matched_mwh)
FROM per_device p JOIN assets_device d ON d.id = p.device_id
LEFT JOIN green_embodiedemissions e ON e.device_id = p.device_id
GROUP BY p.grp, p.month, p.country ORDER BY p.grp, p.month, p.country
"""

_LEASED = ("SELECT ld.device_id, l.lessee_id AS grp, ld.starts_on, ld.ends_on FROM assets_lease_devices ld "
           "JOIN assets_lease l ON l.id = ld.lease_id WHERE ld.held")
SCOPES = {
    "lease": _LEASED + " AND l.id = %(key)s",
    "lessee": _LEASED + " AND l.lessee_id = %(key)s",
    "lessees": _LEASED,
    "deal": "SELECT d.id AS device_id, d.deal_id AS grp, DATE '1990-01-01' AS starts_on, "
            "DATE '2200-12-31' AS ends_on FROM assets_device d "
            "WHERE d.deal_id = %(key)s AND d.kind = 'gpu_server'",
}

CERTIFICATES_SQL = """
SELECT t.lessee_id, t.period_start, t.period_end, b.country, b.quantity, b.emission_factor_g_per_kwh, t.id
FROM green_retirement t JOIN green_certificateblock b ON b.id = t.block_id
JOIN green_registry g ON g.id = b.registry_id
WHERE g.kind = 'rec' AND t.lessee_id = ANY(%(lessees)s)
  AND t.period_start >= %(first)s AND t.period_end <= %(last)s
  AND EXTRACT(YEAR FROM b.vintage_start) <= EXTRACT(YEAR FROM t.period_end)
  AND EXTRACT(YEAR FROM b.vintage_end) >= EXTRACT(YEAR FROM t.period_start)
ORDER BY t.id
"""

G3 = Decimal("0.001")
MILLI = 1000


def _whole(value) -> int:
    return int(Decimal(value or 0).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass
class Footprint:
    """One scope's footprint over a period (or one lessee's in one month). Energy in Wh, emissions in g."""

    group: int | None
    month: date | None
    gpu_hours: int = 0
    it_wh: int = 0
    facility_wh: int = 0
    location_g: int = 0
    market_g: int = 0
    embodied_g: int = 0
    hourly_matched_wh: int = 0
    certificate_wh: int = 0
    certificates: list[int] = field(default_factory=list)  # retirement ids counted

    @property
    def hourly_matching(self) -> Decimal:
        """Share of the facility energy matched by same-hour on-site green generation (0 to 1)."""
        if not self.facility_wh:
            return Decimal(0)
        return (Decimal(self.hourly_matched_wh) / self.facility_wh).quantize(Decimal("0.0001"))

    @property
    def period_matching(self) -> Decimal:
        """Share matched over the whole period: same-hour generation plus certificates, at most 1."""
        if not self.facility_wh:
            return Decimal(0)
        matched = min(self.facility_wh, self.hourly_matched_wh + self.certificate_wh)
        return (Decimal(matched) / self.facility_wh).quantize(Decimal("0.0001"))

    def _per_gpu_hour(self, grams: int) -> Decimal:
        return (Decimal(grams) / self.gpu_hours).quantize(G3) if self.gpu_hours else Decimal(0)

    @property
    def location_g_per_gpu_hour(self) -> Decimal:
        return self._per_gpu_hour(self.location_g)

    @property
    def market_g_per_gpu_hour(self) -> Decimal:
        return self._per_gpu_hour(self.market_g)

    @property
    def total_g_per_gpu_hour(self) -> Decimal:
        """Market-based operational plus embodied grams per GPU-hour (in the spirit of the SCI)."""
        return self._per_gpu_hour(self.market_g + self.embodied_g)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime(start.year, start.month, start.day, tzinfo=UTC),
        datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1),
    )


def _month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _certificates(lessees: list[int], first: date, last: date) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(CERTIFICATES_SQL, {"lessees": lessees, "first": first, "last": last})
        return cur.fetchall()


def compute(
    scope: str, key: int | None, *, start: date, end: date, by_month: bool = False
) -> list[Footprint]:
    """Footprints of ``scope`` ('lease', 'lessee', 'deal' with ``key``, or 'lessees' for every lessee)
    from ``start`` to ``end`` (days, both included), one per group (lessee or deal) and month when
    ``by_month``. Two queries: the metering aggregate and the retirements."""
    first, last = _bounds(start, end)
    month = "date_trunc('month', m.hour AT TIME ZONE 'UTC')::date" if by_month else "NULL::date"
    sql = FOOTPRINT_SQL.format(scope=SCOPES[scope], month=month)
    with connection.cursor() as cur:
        cur.execute(sql, {"start": first, "end": last, "key": key})
        rows = cur.fetchall()
    totals: dict[tuple, list] = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0)])
    per_country: dict[tuple, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for grp, mon, country, gpu_hours, it_wh, facility_mwh, location_x, embodied, matched_mwh in rows:
        t = totals[(grp, mon)]
        t[0] += int(gpu_hours)
        t[1] += int(it_wh)
        t[2] += Decimal(embodied)
        t[3] += Decimal(matched_mwh) / MILLI
        per_country[(grp, mon)][country] = (Decimal(facility_mwh) / MILLI, Decimal(location_x) / MILLI)
    lessees = _deal_lessees(key) if scope == "deal" else sorted({g for g, _ in totals})
    retired = _certificates(lessees, start, end) if lessees else []
    footprints = []
    for (grp, mon), (gpu_hours, it_wh, embodied, matched) in totals.items():
        window = (mon, _month_end(mon)) if mon else (start, end)
        mine = [
            c for c in retired if (scope == "deal" or c[0] == grp) and c[1] >= window[0] and c[2] <= window[1]
        ]
        fp = Footprint(
            group=key if scope == "deal" else grp,
            month=mon,
            gpu_hours=gpu_hours,
            it_wh=it_wh,
            embodied_g=_whole(embodied),
            hourly_matched_wh=_whole(matched),
        )
        _settle(fp, per_country[(grp, mon)], mine)
        footprints.append(fp)
    return footprints


def _deal_lessees(deal_id: int) -> list[int]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT l.lessee_id FROM assets_lease l "
            "JOIN assets_lease_devices ld ON ld.lease_id = l.id "
            "JOIN assets_device d ON d.id = ld.device_id WHERE d.deal_id = %s",
            [deal_id],
        )
        return [r[0] for r in cur.fetchall()]


def _settle(fp: Footprint, countries: dict[str, tuple[Decimal, Decimal]], certificates: list[tuple]) -> None:
    """Round the sums once and apply the certificates, country by country, in retirement order."""
    facility_total = sum(f for f, _ in countries.values())
    location_x = sum(x for _, x in countries.values())  # Wh x g/MWh
    market_x = Decimal(0)
    covered_total = Decimal(0)
    for country, (facility, loc_x) in countries.items():
        left = facility
        cert_x = Decimal(0)
        for _, _, _, cert_country, quantity, factor_g_per_kwh, retirement_id in certificates:
            if cert_country != country or left <= 0:
                continue
            covered = min(left, Decimal(quantity * WH_PER_MWH))
            left -= covered
            cert_x += covered * factor_g_per_kwh * 1000  # g/kWh -> g/MWh
            fp.certificates.append(retirement_id)
        uncovered_share = left / facility if facility else Decimal(0)
        market_x += loc_x * uncovered_share + cert_x
        covered_total += facility - left
    fp.facility_wh = _whole(facility_total)
    fp.location_g = _whole(location_x / WH_PER_MWH)
    fp.market_g = _whole(market_x / WH_PER_MWH)
    fp.certificate_wh = _whole(covered_total)
