#!/usr/bin/env python3
"""Writes the roster ledger vectors in Protocol/vectors/roster-ledger/ from the spec (capsync_spec.py, roster.md §7),
not from Swift: log entries carrying roster proposals (kind 16) and approvals (kind 17), the roster file a node
starts from, and the chain, fork and malformed entries a node derives from them.

Deterministic (fixed seeds and timestamps; Ed25519 signing is deterministic). Entries are listed in a seeded
shuffled order: the result must not depend on it.

Usage: python3 tools/vectors/gen_roster_ledger_vectors.py [--out Protocol/vectors]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
import capsync_spec as spec  # noqa: E402

# 2027-01-01T00:00:00Z in milliseconds.
BASE_MS = 1_798_761_600_000
ZERO = bytes(32)
FOUNDERS = ["DE", "FR", "NL", "NO", "PL"]


def seed(partner: str) -> bytes:
    return hashlib.sha256(f"capsync roster ledger vectors {partner}".encode()).digest()


class Author:
    """One partner's key and chain of entries."""

    def __init__(self, partner: str):
        self.partner = partner
        self.seed = seed(partner)
        self.key = spec.raw_public_key(self.seed)
        self.seq = 0
        self.prev = ZERO

    def entry(self, kind: int, payload: bytes) -> bytes:
        self.seq += 1
        unsigned = spec.encode_unsigned(1, self.key, self.seq, self.prev, (BASE_MS + self.seq) << 16, kind, payload)
        encoded = spec.sign_unsigned(self.seed, unsigned)
        self.prev = hashlib.sha256(encoded).digest()
        return encoded

    def propose(self, body: bytes) -> List[bytes]:
        return [self.entry(spec.PROPOSAL_KIND, body), self.approve(body)]

    def approve(self, body: bytes, signature: Optional[bytes] = None) -> bytes:
        signature = signature or spec.private_key(self.seed).sign(spec.APPROVAL_DOMAIN + body)
        return self.entry(spec.APPROVAL_KIND, spec.version_hash(body) + signature)


def version(serial: int, previous: bytes, day: int, changes: list) -> bytes:
    return spec.encode_version_body(serial, previous, (BASE_MS + day * 86_400_000) << 16, changes)


def anchor_text(authors: List[Author]) -> str:
    members = [spec.Member(a.partner, a.key, None) for a in authors]
    return spec.roster_file_text(1, sorted(members, key=spec.Member.sort_key))


def fresh():
    """A new set of authors, each starting its chain at seq 1 (every vector's entries are whole chains)."""
    return {p: Author(p) for p in FOUNDERS + ["SE", "XX"]}


def genesis(a, numerator, denominator):
    return version(1, ZERO, 0, [(spec.ADD_PARTNER, p, a[p].key) for p in FOUNDERS]
                   + [(spec.SET_THRESHOLD, numerator, denominator)])


def scenarios():
    a = fresh()
    g = genesis(a, 3, 5)
    entries = a["DE"].propose(g) + [a[p].approve(g) for p in ["FR", "NL", "NO"]]
    yield ("01-genesis-needs-every-founder",
           "Four of the five founders approved the genesis: nothing is adopted.", a, entries)
    yield ("02-genesis-adopted", "Every founder approved the genesis: it is adopted.", a,
           entries + [a["PL"].approve(g)])

    a = fresh()
    g = genesis(a, 3, 5)
    entries = a["DE"].propose(g) + [a[p].approve(g) for p in ["FR", "NL", "NO", "PL"]]
    join = version(2, spec.version_hash(g), 1, [(spec.ADD_PARTNER, "SE", a["SE"].key)])
    entries += a["FR"].propose(join) + [a["NL"].approve(join), a["NO"].approve(join)]
    third = version(3, spec.version_hash(join), 2, [(spec.SET_THRESHOLD, 1, 2)])
    # Six partners after the join: 3/5 of 6 rounded up is 4; SE's approval counts.
    entries += a["SE"].propose(third) + [a["DE"].approve(third), a["PL"].approve(third), a["FR"].approve(third)]
    yield ("03-join-then-threshold",
           "SE joins with 3 of 5 approvals; then a threshold change needs 4 of 6, SE's approval among them.", a,
           entries)

    # A fork: threshold 2/5, two versions at serial 2 each approved by two partners.
    a = fresh()
    g = genesis(a, 2, 5)
    entries = a["DE"].propose(g) + [a[p].approve(g) for p in ["FR", "NL", "NO", "PL"]]
    va = version(2, spec.version_hash(g), 1, [(spec.SET_THRESHOLD, 3, 5)])
    vb = version(2, spec.version_hash(g), 1, [(spec.SET_THRESHOLD, 4, 5)])
    entries += a["DE"].propose(va) + [a["FR"].approve(va)] + a["NL"].propose(vb) + [a["NO"].approve(vb)]
    yield ("04-roster-fork", "Two versions at serial 2 each reached the threshold (2 of 5): neither is adopted.", a,
           entries)
    resolution = version(3, spec.version_hash(va), 2, [(spec.SET_THRESHOLD, 1, 2)])
    entries += a["PL"].propose(resolution) + [a["DE"].approve(resolution), a["FR"].approve(resolution)]
    yield ("05-fork-resolved", "A version following one branch, approved by that branch's threshold (3 of 5), "
           "resolves the fork in its favour.", a, entries)

    # Stale, forged and malformed governance entries on top of an adopted chain.
    a = fresh()
    g = genesis(a, 3, 5)
    entries = a["DE"].propose(g) + [a[p].approve(g) for p in ["FR", "NL", "NO", "PL"]]
    second = version(2, spec.version_hash(g), 1, [(spec.SET_THRESHOLD, 4, 5)])
    entries += a["DE"].propose(second) + [a["FR"].approve(second), a["NL"].approve(second)]
    stale = version(2, spec.version_hash(g), 3, [(spec.SET_THRESHOLD, 1, 5)])
    later = version(3, spec.version_hash(second), 2, [(spec.SET_THRESHOLD, 1, 5)])
    bad_signature = bytearray(spec.private_key(a["NL"].seed).sign(spec.APPROVAL_DOMAIN + later))
    bad_signature[0] ^= 1
    entries += (a["NO"].propose(stale) + [a["PL"].approve(stale)]
                + a["DE"].propose(later) + [a["FR"].approve(later), a["XX"].approve(later),
                                             a["NL"].approve(later, bytes(bad_signature))]
                + [a["NO"].entry(spec.PROPOSAL_KIND, b"\x01\x02\x03"), a["NO"].entry(spec.APPROVAL_KIND, bytes(95))])
    yield ("06-stale-forged-malformed",
           "After version 2: a proposal on the genesis again (a rollback, ignored), a version 3 approved by DE, FR, "
           "an outsider and a damaged signature (2 of 4 count: pending), and two payloads that do not decode.", a,
           entries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "Protocol" / "vectors"))
    out = Path(parser.parse_args().out) / "roster-ledger"
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261128)
    for name, description, authors, entries in scenarios():
        shuffled = list(entries)
        rng.shuffle(shuffled)
        anchor = anchor_text([authors[p] for p in FOUNDERS])
        serial, members = spec.parse_roster(anchor)
        expected = spec.derive_ledger(shuffled, spec.roster_canonical_bytes(serial, members))
        assert expected == spec.derive_ledger(entries, spec.roster_canonical_bytes(serial, members))
        vector = {"name": name, "description": description, "anchor_roster": anchor,
                  "entries": [e.hex() for e in shuffled], "expected": expected}
        (out / f"{name}.json").write_text(json.dumps(vector, indent=2) + "\n")
        print(f"{name}: chain of {len(expected['chain'])}, fork {expected['fork'] is not None}, "
              f"{len(expected['malformed'])} malformed")


if __name__ == "__main__":
    main()
