#!/usr/bin/env python3
"""Writes Protocol/vectors/fold/views/: the fold's period views (Protocol/fold.md §Views), one rule a vector.

Each vector is an entry set and roster with a view's inputs (month, stale limit, the day matches count from, a
trend's item and months) and what the views must show, computed by capsync_fold.py, written from the spec
alone. Entries carry real Ed25519 signatures from fixed seeds, so running this again changes nothing.

    python3 tools/vectors/gen_fold_view_vectors.py
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import capsync_fold as cf  # noqa: E402
import capsync_spec as spec  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "Protocol" / "vectors" / "fold" / "views"
# 2026-11-01T00:00:00Z, in milliseconds.
T0 = 1_793_491_200_000


def seed(partner: str, index: int = 0) -> bytes:
    return (partner.encode() + bytes([index])).ljust(32, b"\x5a")


class Author:
    def __init__(self, partner: str, index: int = 0):
        self.partner = partner
        self.seed = seed(partner, index)
        self.key = spec.raw_public_key(self.seed)
        self.seq = 0
        self.prev = bytes(32)

    def append(self, op, at_ms: int, kind: Optional[int] = None) -> bytes:
        kind = kind or {cf.Report: cf.KIND_REPORT, cf.Retraction: cf.KIND_RETRACTION, cf.Need: cf.KIND_NEED,
                        cf.Pledge: cf.KIND_PLEDGE, cf.Drawdown: cf.KIND_DRAWDOWN, cf.Schedule: cf.KIND_SCHEDULE}[type(op)]
        self.seq += 1
        unsigned = spec.encode_unsigned(1, self.key, self.seq, self.prev, at_ms << 16, kind, op.payload())
        encoded = spec.sign_unsigned(self.seed, unsigned)
        self.prev = spec.decode_entry(encoded).entry_id
        return encoded


def roster(authors: List[Author]) -> str:
    members = {(a.partner, a.key): spec.Member(a.partner, a.key, None) for a in authors}
    return spec.roster_file_text(1, list(members.values()))


def month(text: str):
    return cf.parse_month(text)


def report(partner, site, period, capacity, output=0, stock=0, threshold=0, lead=0, item="SHELL-155-HE",
           constraints=""):
    return cf.Report(partner, item, site, month(period), capacity, output, stock, threshold, lead, constraints)


def need(owner, code, quantity, due, priority=1, item="SHELL-155-HE", closed=False):
    return cf.Need(owner, code, item, quantity, datetime.date.fromisoformat(due), priority, closed)


class Writer:
    def __init__(self):
        self.names: List[str] = []

    def write(self, name: str, description: str, authors: List[Author], entries: List[bytes], period: str,
              stale_after: int = 2, today: str = "2026-11-28", trend: Optional[Dict[str, str]] = None,
              extra_roster: Optional[List[Author]] = None) -> None:
        text = roster(authors)
        result = cf.fold(entries, text)
        view = month(period)
        figures = cf.site_figures(result.reports, view, stale_after)
        trend = trend or {"item": "SHELL-155-HE", "from": period, "to": period}
        vector = {
            "name": name,
            "description": description,
            "roster": text,
            "foldVersion": cf.FOLD_VERSION,
            "entries": [e.hex() for e in entries],
            "view": {"period": period, "staleAfterMonths": stale_after, "today": today},
            "trend": trend,
            "expected": {
                "state": result.state.hex(),
                "digest": result.digest.hex(),
                "ignored": [{"id": i.hex(), "reason": r} for i, r in result.ignored],
                "figures": figures,
                "totals": {by: cf.totals(figures, by) for by in ("item", "partner", "site")},
                "trend": cf.trend(result.reports, trend["item"], month(trend["from"]), month(trend["to"]), view,
                                  stale_after),
                "matches": cf.matches(result, view, stale_after, datetime.date.fromisoformat(today)),
            },
        }
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"{name}.json").write_text(json.dumps(vector, indent=2, sort_keys=True) + "\n")
        self.names.append(name)

    def remove_stale(self) -> None:
        for path in OUT.glob("*.json"):
            if path.stem not in self.names:
                path.unlink()


def main() -> None:
    out = Writer()
    minute = 60_000

    no = Author("NO")
    out.write(
        "01-later-month-keeps-other-sites",
        "NO reports Raufoss and Karlskoga for 2026-11, then Raufoss alone for 2026-12. The 2026-12 view counts "
        "Raufoss's December report and Karlskoga's November one (age 1): 78,000, not 72,000.",
        [no],
        [
            no.append(report("NO", "Raufoss", "2026-11", 72_000, 60_000, 9_000, 3_000, 45), T0),
            no.append(report("NO", "Karlskoga", "2026-11", 6_000, 5_000, 900, 300, 20), T0 + minute),
            no.append(report("NO", "Raufoss", "2026-12", 72_000, 61_000, 9_500, 3_000, 45), T0 + 2 * minute),
        ],
        "2026-12",
        trend={"item": "SHELL-155-HE", "from": "2026-10", "to": "2027-01"},
    )

    pl = Author("PL")
    out.write(
        "02-later-month-is-a-plan",
        "PL reports 20,000 at Mesko for 2026-11 and, by a typed year, capacity 1 for 2031-01. The 2026-11 view "
        "counts 20,000; 2031-01 is a plan, shown in the trend only for that month.",
        [pl],
        [
            pl.append(report("PL", "Mesko", "2026-11", 20_000, 18_000, 4_000, 1_000, 30), T0),
            pl.append(report("PL", "Mesko", "2031-01", 1), T0 + minute),
        ],
        "2026-11",
        trend={"item": "SHELL-155-HE", "from": "2030-11", "to": "2031-02"},
    )

    no, de = Author("NO"), Author("DE")
    out.write(
        "03-old-figures-are-stale",
        "DE last reported for 2025-12; NO reports 2026-11. The 2026-11 view adds both and marks DE's figures "
        "stale (age 11 > 2): the total covers 2 sites and 2 partners, 1 of each stale, oldest 2025-12.",
        [no, de],
        [
            de.append(report("DE", "Unterluess", "2025-12", 15_000, 14_000, 2_000, 500, 60), T0),
            no.append(report("NO", "Raufoss", "2026-11", 72_000, 60_000, 9_000, 3_000, 45), T0 + minute),
        ],
        "2026-11",
    )

    no = Author("NO")
    out.write(
        "04-stale-limit-boundary",
        "Sites last reported 0, 2 and 3 months before the view: with --stale-after 2 only the 3-month-old one "
        "is stale (older than 2 months).",
        [no],
        [
            no.append(report("NO", "Site-0", "2026-11", 100), T0),
            no.append(report("NO", "Site-2", "2026-09", 200), T0 + minute),
            no.append(report("NO", "Site-3", "2026-08", 300), T0 + 2 * minute),
        ],
        "2026-11",
    )
    no = Author("NO")
    out.write(
        "05-stale-after-zero",
        "The same sites with --stale-after 0: anything not reported for the view's month is stale.",
        [no],
        [
            no.append(report("NO", "Site-0", "2026-11", 100), T0),
            no.append(report("NO", "Site-2", "2026-09", 200), T0 + minute),
            no.append(report("NO", "Site-3", "2026-08", 300), T0 + 2 * minute),
        ],
        "2026-11",
        stale_after=0,
    )

    pl, pl2 = Author("PL"), Author("PL", 1)
    out.write(
        "06-retraction-falls-back",
        "PL retracts Mesko's 2026-11 report: the view counts Mesko's 2026-10 report (age 1). Stalowa Wola's only "
        "report is retracted: it is not counted at all. A report after a retraction stands again (Skarzysko).",
        [pl, pl2],
        [
            pl.append(report("PL", "Mesko", "2026-10", 1_000, 900), T0),
            pl.append(report("PL", "Mesko", "2026-11", 1_100, 1_000), T0 + minute),
            pl2.append(cf.Retraction("PL", "SHELL-155-HE", "Mesko", month("2026-11")), T0 + 2 * minute),
            pl.append(report("PL", "Stalowa Wola", "2026-11", 5_000), T0 + 3 * minute),
            pl2.append(cf.Retraction("PL", "SHELL-155-HE", "Stalowa Wola", month("2026-11")), T0 + 4 * minute),
            pl.append(cf.Retraction("PL", "SHELL-155-HE", "Skarzysko", month("2026-11")), T0 + 5 * minute),
            pl2.append(report("PL", "Skarzysko", "2026-11", 70), T0 + 6 * minute),
        ],
        "2026-11",
    )

    no, pl, de = Author("NO"), Author("PL"), Author("DE")
    out.write(
        "07-groupings",
        "Three partners, two items, a site name used by two partners: totals by item, by partner and item, and "
        "by site and item (a site name shared by partners is one group with two partners).",
        [no, pl, de],
        [
            no.append(report("NO", "Plant-1", "2026-11", 1_000, 800, 500, 100, 30), T0),
            no.append(report("NO", "Plant-2", "2026-10", 2_000, 1_900, 300, 300, 40), T0 + 1),
            no.append(report("NO", "Plant-1", "2026-11", 40, 30, 10, 2, 90, item="BARREL-155"), T0 + 2),
            pl.append(report("PL", "Plant-1", "2026-11", 3_000, 2_500, 1_200, 200, 20), T0 + 3),
            de.append(report("DE", "Unterluess", "2026-07", 4_000, 3_000, 50, 100, 60), T0 + 4),
            de.append(report("DE", "Unterluess", "2026-11", 12, 12, 0, 0, 120, item="BARREL-155"), T0 + 5),
        ],
        "2026-11",
    )

    no, pl = Author("NO"), Author("PL")
    out.write(
        "08-trend-actuals-then-plans",
        "Reports from 2026-08 to 2027-02: up to the view's month 2026-11 each month is an actual (sites carry "
        "their latest earlier report, stale when old); after it a month is a plan, only what was reported for it.",
        [no, pl],
        [
            no.append(report("NO", "Raufoss", "2026-08", 60_000, 55_000, 8_000, 3_000), T0),
            no.append(report("NO", "Raufoss", "2026-10", 66_000, 60_000, 8_500, 3_000), T0 + 1),
            no.append(report("NO", "Raufoss", "2026-11", 72_000, 60_000, 9_000, 3_000), T0 + 2),
            pl.append(report("PL", "Mesko", "2026-09", 18_000, 17_000, 2_000, 1_000), T0 + 3),
            no.append(report("NO", "Raufoss", "2027-01", 80_000, 75_000, 9_000, 3_000), T0 + 4),
            pl.append(report("PL", "Mesko", "2027-02", 25_000, 20_000, 3_000, 1_000), T0 + 5),
        ],
        "2026-11",
        trend={"item": "SHELL-155-HE", "from": "2026-07", "to": "2027-03"},
    )

    ua, no, pl, de = Author("UA"), Author("NO"), Author("PL"), Author("DE")
    out.write(
        "09-shortfall-matches",
        "UA needs 50,000 shells by 2027-01-15 (NO pledged 5,000) and 800 barrels by 2026-12-01; a closed need and "
        "a covered need get no candidates. Candidates: stock above threshold now, spare capacity after its lead "
        "time if by the due date; never the owner; ranked by how much, then how soon, partner, site.",
        [ua, no, pl, de],
        [
            ua.append(need("UA", "NEED-UA-001", 50_000, "2027-01-15"), T0),
            ua.append(need("UA", "NEED-UA-002", 800, "2026-12-01", item="BARREL-155"), T0 + 1),
            ua.append(need("UA", "NEED-UA-003", 10, "2026-12-31", closed=True), T0 + 2),
            ua.append(need("UA", "NEED-UA-004", 100, "2026-12-31", priority=2), T0 + 3),
            ua.append(report("UA", "Shostka", "2026-11", 9_000, 1_000, 9_000, 0, 1), T0 + 4),
            no.append(report("NO", "Raufoss", "2026-11", 72_000, 60_000, 9_000, 3_000, 45), T0 + 5),
            no.append(report("NO", "Karlskoga", "2026-10", 6_000, 5_000, 900, 300, 20), T0 + 6),
            no.append(cf.Pledge("NO", "UA", "NEED-UA-001", 5_000), T0 + 7),
            no.append(cf.Pledge("NO", "UA", "NEED-UA-004", 100), T0 + 8),
            pl.append(report("PL", "Mesko", "2026-11", 20_000, 8_000, 1_000, 1_000, 10), T0 + 9),
            pl.append(report("PL", "Stalowa Wola", "2026-11", 40, 10, 200, 20, 3, item="BARREL-155"), T0 + 10),
            de.append(report("DE", "Unterluess", "2025-12", 15_000, 3_000, 6_000, 0, 90), T0 + 11),
            de.append(report("DE", "Unterluess", "2026-11", 30, 30, 900, 100, 5, item="BARREL-155"), T0 + 12),
        ],
        "2026-11",
    )

    no, pl = Author("NO"), Author("PL")
    outsider = Author("XX")
    out.write(
        "10-views-count-only-applied-reports",
        "A report by a key outside the roster (notInRoster) and PL's report written for NO (notOwnRecord) are "
        "ignored by the fold, so no view counts them.",
        [no, pl],
        [
            no.append(report("NO", "Raufoss", "2026-11", 1_000), T0),
            outsider.append(report("XX", "Nowhere", "2026-11", 99_999), T0 + 1),
            pl.append(report("NO", "Raufoss", "2026-11", 5), T0 + 2),
            pl.append(report("NO", "Elsewhere", "2026-11", 7), T0 + 3),
        ],
        "2026-11",
    )
    out.remove_stale()
    print(f"wrote {len(out.names)} vectors to {OUT}")


if __name__ == "__main__":
    main()
