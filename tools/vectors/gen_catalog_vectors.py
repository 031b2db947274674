#!/usr/bin/env python3
"""Writes Protocol/vectors/fold/catalog/: the coalition catalog (kinds 7 and 8) and the views with interchangeable
items counted per group (Protocol/fold.md, "The coalition catalog", "Interchangeable items").

Each vector is an entry set and roster, a view's month, stale limit and day, and what the fold and the views must
show, computed by capsync_fold.py from the spec alone. It also folds the Swift-generated
Protocol/vectors/fold/20-coalition-catalog.json and fails if this implementation disagrees with it. Entries carry
real Ed25519 signatures from fixed seeds, so running this again changes nothing.

    python3 tools/vectors/gen_catalog_vectors.py
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import List

sys.path.insert(0, str(Path(__file__).resolve().parent))

import capsync_fold as cf  # noqa: E402
from gen_fold_view_vectors import T0, Author, need, report, roster  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Protocol" / "vectors" / "fold" / "catalog"


def define(partner, code, name, unit, category="ammunition", nsn=""):
    return cf.Definition(partner, code, name, unit, category, nsn)


def group(partner, code, name, members):
    return cf.Group(partner, code, name, tuple(sorted(set(members), key=str.encode)))


def kind(op) -> int:
    return {cf.Definition: cf.KIND_DEFINITION, cf.Group: cf.KIND_GROUP}.get(type(op), 0) or None


def write(name: str, description: str, authors: List[Author], entries: List[bytes], period: str,
          today: str, stale_after: int = 2) -> None:
    text = roster(authors)
    result = cf.fold(entries, text)
    view = cf.parse_month(period)
    vector = {
        "name": name,
        "description": description,
        "roster": text,
        "foldVersion": cf.FOLD_VERSION,
        "entries": [e.hex() for e in entries],
        "view": {"period": period, "staleAfterMonths": stale_after, "today": today},
        "expected": {
            "state": result.state.hex(),
            "digest": result.digest.hex(),
            "ignored": [{"id": i.hex(), "reason": r} for i, r in result.ignored],
            "interchangeable": cf.interchangeable(result),
            "totals": {by: cf.interchangeable_totals(result, view, stale_after, by) for by in ("item", "partner", "site")},
            "matches": cf.interchangeable_matches(result, view, stale_after, datetime.date.fromisoformat(today)),
        },
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(vector, indent=2, sort_keys=True) + "\n")


def append(author: Author, op, at: int) -> bytes:
    return author.append(op, at, kind=kind(op))


def check_swift_vector() -> None:
    path = ROOT / "Protocol" / "vectors" / "fold" / "20-coalition-catalog.json"
    vector = json.loads(path.read_text())
    result = cf.fold([bytes.fromhex(e) for e in vector["entries"]], vector["roster"])
    ignored = [{"id": i.hex(), "reason": r} for i, r in result.ignored]
    if result.state.hex() != vector["expected"]["state"] or ignored != vector["expected"]["ignored"]:
        sys.exit(f"{path.name}: this implementation folds a different state or ignores other entries")
    print(f"{path.name}: state and ignored entries agree")


def main() -> None:
    minute = 60_000
    no, pl, ua = Author("NO"), Author("PL"), Author("UA")
    write(
        "01-groups-count-together",
        "NO defines SHELL-155-HE-M795 and groups it with SHELL-155-HE; PL founds a later group listing SHELL-155-HE "
        "and BARREL-155, which keeps BARREL-155 only (the earlier group counts SHELL-155-HE). Totals per group; UA's "
        "need for SHELL-155-HE is matched from PL's M795 stock and NO's spare capacity of both items.",
        [no, pl, ua],
        [
            append(no, define("NO", "SHELL-155-HE-M795", "155 mm HE M795", "rounds", nsn="1320-01-234-5678"), T0),
            append(no, group("NO", "GRP-155-HE", "155 mm HE", ["SHELL-155-HE", "SHELL-155-HE-M795"]), T0 + minute),
            append(pl, group("PL", "GRP-B", "barrels and shells", ["SHELL-155-HE", "BARREL-155"]), T0 + 2 * minute),
            append(no, report("NO", "Raufoss", "2026-11", 1_000, 800, 300, 300, 20), T0 + 3 * minute),
            append(no, report("NO", "Raufoss", "2026-11", 500, 100, 0, 0, 40, item="SHELL-155-HE-M795"),
                   T0 + 4 * minute),
            append(pl, report("PL", "Mesko", "2026-11", 200, 200, 5_000, 1_000, 10, item="SHELL-155-HE-M795"),
                   T0 + 5 * minute),
            append(pl, report("PL", "Stalowa Wola", "2026-10", 4, 2, 9, 3, 60, item="BARREL-155"), T0 + 6 * minute),
            append(ua, need("UA", "NEED-1", 6_000, "2027-01-31"), T0 + 7 * minute),
        ],
        "2026-11",
        "2026-11-28",
    )

    no, pl, ua = Author("NO"), Author("PL"), Author("UA")
    write(
        "02-conflicts-and-late-definitions",
        "PL reports X-1 before anyone defines it (applied all the same); NO defines X-1 first, PL's definition is "
        "notCatalogOwner, NO's restatement in tonnes is unitChanged, NO's rename in kg wins; UA's definition of the "
        "built-in BARREL-155 is builtInCode. UA's group G-1 is restated by PL (notCatalogOwner) and dissolved by UA, "
        "so X-1 counts alone.",
        [no, pl, ua],
        [
            append(pl, report("PL", "Mesko", "2026-11", 70, 20, 40, 10, 5, item="X-1"), T0),
            append(no, define("NO", "X-1", "explosive X", "kg"), T0 + minute),
            append(pl, define("PL", "X-1", "explosive X by PL", "kg"), T0 + 2 * minute),
            append(no, define("NO", "X-1", "explosive X", "tonnes"), T0 + 3 * minute),
            append(no, define("NO", "X-1", "explosive X (cast)", "kg", category="explosives"), T0 + 4 * minute),
            append(ua, define("UA", "BARREL-155", "barrels", "barrels"), T0 + 5 * minute),
            append(ua, group("UA", "G-1", "explosives", ["X-1", "EXPLOSIVE-TNT"]), T0 + 6 * minute),
            append(pl, group("PL", "G-1", "explosives", ["X-1"]), T0 + 7 * minute),
            append(ua, group("UA", "G-1", "explosives", []), T0 + 8 * minute),
            append(ua, need("UA", "NEED-X", 100, "2027-01-31", item="X-1"), T0 + 9 * minute),
        ],
        "2026-11",
        "2026-11-28",
    )
    check_swift_vector()


if __name__ == "__main__":
    main()
