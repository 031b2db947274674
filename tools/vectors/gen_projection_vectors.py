#!/usr/bin/env python3
"""Writes Protocol/vectors/fold/projection/: the stock projection (Protocol/fold.md §Stock projection).

Each vector is an entry set and roster, the projection's inputs (item, start month, months) and what the
projection must show, computed by capsync_fold.py from the spec alone. Every number was also worked out by hand
first: the description of each vector carries that working, and `hand` below holds the figures it arrives at;
the generator refuses to write a vector whose computed projection disagrees with them.

    python3 tools/vectors/gen_projection_vectors.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))

import capsync_fold as cf  # noqa: E402
from gen_fold_view_vectors import T0, Author, month, need, report, roster  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "Protocol" / "vectors" / "fold" / "projection"


def schedule(partner, owner, code, *rows):
    return cf.Schedule(partner, owner, code, tuple((month(m), q, d) for m, q, d in rows))


def drawdown(partner, site, start, end, floor, refill=(), withdrawn=False, item="SHELL-155-HE"):
    return cf.Drawdown(partner, item, site, month(start), month(end), floor,
                       tuple((month(m), q) for m, q in refill), withdrawn)


def summary(projection: dict) -> Dict[str, list]:
    """The figures a hand computation checks: per partner (start, then stock and status a month, and the three
    flags), and per coalition month (stock, needs due, covered, shortfall)."""
    out: Dict[str, list] = {}
    for p in projection["partners"]:
        out[p["partner"]] = [p["startStock"], [(m["stock"], m["status"]) for m in p["months"]],
                             p["crossesThreshold"], p["crossesFloor"], p["refillBehind"]]
    out["coalition"] = [projection["startStock"],
                        [(c["stock"], c["needsDue"], c["covered"], c["shortfall"]) for c in projection["coalition"]],
                        projection["firstShortfall"]]
    return out


def write(name: str, description: str, authors: List[Author], entries: List[bytes], item: str, period: str,
          months: int, hand: Dict[str, list]) -> None:
    text = roster(authors)
    result = cf.fold(entries, text)
    projection = cf.projection(result, item, month(period), months)
    computed = summary(projection)
    if computed != hand:
        raise SystemExit(f"{name}: the projection disagrees with the hand computation\n{computed}\n{hand}")
    vector = {
        "name": name,
        "description": description,
        "roster": text,
        "foldVersion": cf.FOLD_VERSION,
        "entries": [e.hex() for e in entries],
        "projection": {"item": item, "period": period, "months": months},
        "expected": {
            "state": result.state.hex(),
            "digest": result.digest.hex(),
            "ignored": [{"id": i.hex(), "reason": r} for i, r in result.ignored],
            "projection": projection,
        },
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(vector, indent=2, sort_keys=True) + "\n")


def main() -> None:
    no, pl, ua = Author("NO"), Author("PL"), Author("UA")
    write(
        "01-drawdown-deliveries-shortfall",
        "Item SHELL-155-HE from 2026-11, 4 months (2026-12 .. 2027-03). "
        "NO Raufoss reports 2026-11 (output 100, stock 900, threshold 600) and a plan for 2027-01 (output 100, "
        "threshold 600, stock 9999 never used); a drawdown plan 2026-12..2027-01, floor 400, refill to 700 from "
        "2027-03. NO's schedule towards UA:NEED-UA-001 (1000, due 2027-01-20): 2026-11 200 promised/100 delivered "
        "(100 late, placed 2026-12), 2026-12 400, 2027-01 300, 2027-04 100 (after the window, left out). "
        "PL Mesko reports 2026-10 only (output 50, stock 200, threshold 250); its drawdown plan is withdrawn and "
        "its schedule is towards a closed need: neither counts. UA has no reports and needs 500 more by 2027-03-05 "
        "(NEED-UA-002, no schedule). NO's BARREL-155 report is another item. "
        "NO: start 900; 2026-12: 900+100-500=500, threshold 600, alarm 400 (floor), 400<=500<=600 planned-drawdown; "
        "2027-01: 500+100-300=300 < 400 below-floor; 2027-02: +100 = 400, window over, alarm 600, 400<=600 "
        "below-threshold; 2027-03: 500 < refill 700 refill-behind. Flags: threshold 2027-02, floor 2027-01, "
        "refill 2027-03. PL: start 200; 250 (<= 250 below-threshold), 300, 350, 400 ok; crosses 2026-12. "
        "UA: start 0; in 500 then 300: 500, 800, 800, 800 ok. Coalition: start 1100; stock 1250, 1400, 1550, 1700; "
        "needs due 0, 1000, 1000, 1500; covered 0, min(1000, 100 delivered + 800 placed)=900, 900, 900; "
        "shortfall 0, 100, 100, 600; first shortfall 2027-01.",
        [no, pl, ua],
        [
            no.append(report("NO", "Raufoss", "2026-11", 1_000, 100, 900, 600, 30), T0),
            no.append(report("NO", "Raufoss", "2027-01", 1_000, 100, 9_999, 600, 30), T0 + 1),
            no.append(report("NO", "Raufoss", "2026-11", 40, 10, 50, 5, 30, item="BARREL-155"), T0 + 2),
            no.append(drawdown("NO", "Raufoss", "2026-12", "2027-01", 400, [("2027-03", 700)]), T0 + 3),
            ua.append(need("UA", "NEED-UA-001", 1_000, "2027-01-20"), T0 + 4),
            ua.append(need("UA", "NEED-UA-002", 500, "2027-03-05", priority=2), T0 + 5),
            ua.append(need("UA", "NEED-UA-003", 300, "2026-12-01", closed=True), T0 + 6),
            no.append(schedule("NO", "UA", "NEED-UA-001", ("2026-11", 200, 100), ("2026-12", 400, 0),
                               ("2027-01", 300, 0), ("2027-04", 100, 0)), T0 + 7),
            pl.append(report("PL", "Mesko", "2026-10", 500, 50, 200, 250, 20), T0 + 8),
            pl.append(drawdown("PL", "Mesko", "2026-12", "2027-03", 0, withdrawn=True), T0 + 9),
            pl.append(schedule("PL", "UA", "NEED-UA-003", ("2026-12", 50, 0)), T0 + 10),
        ],
        "SHELL-155-HE", "2026-11", 4,
        {
            "NO": [900, [(500, "planned-drawdown"), (300, "below-floor"), (400, "below-threshold"),
                         (500, "refill-behind")], "2027-02", "2027-01", "2027-03"],
            "PL": [200, [(250, "below-threshold"), (300, "ok"), (350, "ok"), (400, "ok")], "2026-12", None, None],
            "UA": [0, [(500, "ok"), (800, "ok"), (800, "ok"), (800, "ok")], None, None, None],
            "coalition": [1100, [(1250, 0, 0, 0), (1400, 1000, 900, 100), (1550, 1000, 900, 100),
                                 (1700, 1500, 900, 600)], "2027-01"],
        },
    )

    de, fr = Author("DE"), Author("FR")
    write(
        "02-sites-summed-overdue-need",
        "Item SHELL-155-HE from 2026-11, 3 months (2026-12 .. 2027-02). DE reports Unterluess (output 10, stock "
        "150, threshold 80) and Trier (output 0, stock 50, threshold 40) for 2026-11; Trier has a drawdown plan "
        "for 2026-12 only, floor 10; Kassel, with no report, has one for 2027-01..2027-02, floor 5, refill to 150 "
        "from 2027-02. DE's schedule towards FR:NEED-FR-1 (200, due 2026-12-15): 2026-10 60/60, 2026-12 90/0, "
        "2027-02 50/70 (more delivered than promised: nothing outstanding). FR also has an overdue need "
        "NEED-FR-0 (40, due 2026-10-01) with no schedule. "
        "DE: start 150+50=200; 2026-12: 200+10-90=120, threshold 80+40+0=120, alarm 80+10+0=90, 90<=120<=120 "
        "planned-drawdown; 2027-01: 130, alarm 80+40+5=125, 130>120 ok; 2027-02: 140, refill 150 (Kassel's step), "
        "140<150 refill-behind. Flags: threshold none, floor none, refill 2027-02. FR: 90, 90, 90 ok (threshold "
        "0). Coalition: start 200; stock 210, 220, 230; needs due 240 every month (the overdue need counts); "
        "covered min(200, 130 delivered + 90)=200 for NEED-FR-1 and 0 for NEED-FR-0; shortfall 40 from 2026-12.",
        [de, fr],
        [
            de.append(report("DE", "Unterluess", "2026-11", 20, 10, 150, 80, 30), T0),
            de.append(report("DE", "Trier", "2026-11", 0, 0, 50, 40, 30), T0 + 1),
            de.append(drawdown("DE", "Trier", "2026-12", "2026-12", 10), T0 + 2),
            de.append(drawdown("DE", "Kassel", "2027-01", "2027-02", 5, [("2027-02", 150)]), T0 + 3),
            fr.append(need("FR", "NEED-FR-1", 200, "2026-12-15"), T0 + 4),
            fr.append(need("FR", "NEED-FR-0", 40, "2026-10-01"), T0 + 5),
            de.append(schedule("DE", "FR", "NEED-FR-1", ("2026-10", 60, 60), ("2026-12", 90, 0),
                               ("2027-02", 50, 70)), T0 + 6),
        ],
        "SHELL-155-HE", "2026-11", 3,
        {
            "DE": [200, [(120, "planned-drawdown"), (130, "ok"), (140, "refill-behind")], None, None, "2027-02"],
            "FR": [0, [(90, "ok"), (90, "ok"), (90, "ok")], None, None, None],
            "coalition": [200, [(210, 240, 200, 40), (220, 240, 200, 40), (230, 240, 200, 40)], "2026-12"],
        },
    )
    print(f"wrote 2 vectors to {OUT}")


if __name__ == "__main__":
    main()
