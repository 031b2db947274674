#!/usr/bin/env python3
"""Writes the roster chain vectors in Protocol/vectors/roster-chain/ from the spec (capsync_spec.py, roster.md §6),
not from Swift.

Deterministic: keys come from fixed seeds, timestamps are fixed, and Ed25519 signing is deterministic, so running
this again leaves the files unchanged. Every chain is replayed through capsync_spec.py before it is written: a
valid chain must be adopted version by version; an invalid one must be adopted up to `refused_index` and refused
there with exactly its `reason`.

Usage: python3 tools/vectors/gen_roster_chain_vectors.py [--out Protocol/vectors]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
import capsync_spec as spec  # noqa: E402

# 2026-01-01T00:00:00Z in milliseconds; version n takes effect n days later.
BASE_MS = 1_767_225_600_000
DAY_MS = 86_400_000
ZERO = bytes(32)


def seed(partner: str, index: int) -> bytes:
    return hashlib.sha256(f"capsync roster chain vectors {partner} {index}".encode()).digest()


def key(partner: str, index: int = 0) -> bytes:
    return spec.raw_public_key(seed(partner, index))


def at(day: int) -> int:
    return (BASE_MS + day * DAY_MS) << 16


GENESIS_PARTNERS = ["DE", "FR", "NL", "NO", "PL"]


def body(serial, previous, day, changes, sort=True):
    return spec.encode_version_body(serial, previous, at(day), changes, sort)


def signed(body_bytes: bytes, signers: List[tuple], sort: bool = True) -> bytes:
    """signers: (partner, key index) pairs, or (partner, key index, signed-as partner) to lie about the partner."""
    approvals = []
    for signer in signers:
        partner, index = signer[0], signer[1]
        claimed = signer[2] if len(signer) > 2 else partner
        _, public, signature = spec.approve(body_bytes, partner, seed(partner, index))
        approvals.append((claimed, public, signature))
    return spec.encode_version(body_bytes, approvals, sort)


def genesis(serial: int = 7, threshold=(3, 5), signers=None, extra_changes=()) -> bytes:
    changes = [(spec.ADD_PARTNER, p, key(p)) for p in GENESIS_PARTNERS]
    changes.append((spec.ADD_KEY, "NO", key("NO", 1)))   # a second key for NO
    changes.append((spec.RETIRE_KEY, key("NO", 1), 40))  # retired at genesis: it authored seqs 1-40 only
    changes.append((spec.SET_THRESHOLD,) + threshold)
    changes += list(extra_changes)
    b = body(serial, ZERO, 0, changes)
    return signed(b, signers if signers is not None else [(p, 0) for p in GENESIS_PARTNERS])


class Chain:
    """Builds a chain version by version, tracking the previous hash and serial."""

    def __init__(self):
        self.versions: List[bytes] = [genesis()]
        self.day = 0

    @property
    def head(self) -> spec.RosterVersionValue:
        return spec.decode_version(self.versions[-1])

    def next_body(self, changes, serial_delta=1, previous=None, day_delta=1) -> bytes:
        self.day += day_delta
        head = self.head
        return body(head.serial + serial_delta, head.hash if previous is None else previous, self.day, changes)

    def add(self, changes, signers, **kwargs) -> bytes:
        encoded = signed(self.next_body(changes, **kwargs), signers)
        self.versions.append(encoded)
        return encoded


def encryption_key(partner: str, index: int) -> bytes:
    """An X25519 public key (releasability.md §2) from a fixed seed."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    private = X25519PrivateKey.from_private_bytes(seed(f"x25519 {partner}", index))
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def describe_state(state: spec.ChainState) -> Dict[str, object]:
    members = state.members()
    canonical = spec.roster_canonical_bytes(state.serial, members)
    described: Dict[str, object] = {
        "hash": state.hash.hex(),
        "serial": state.serial,
        "timestamp": state.timestamp,
        "threshold": list(state.threshold),
        "required_next": state.required(),
        "partners": state.active(),
        "revoked_keys": sorted(k.hex() for k, v in state.keys.items() if v[2]),
        "roster_canonical_bytes": canonical.hex(),
        "roster_hash": hashlib.sha256(canonical).hexdigest(),
    }
    if state.encryption_keys:  # only chains that set one carry the field (releasability.md §2)
        described["encryption_keys"] = {p: k.hex() for p, k in sorted(state.encryption_keys.items())}
    return described


ALL_SEEDS = {p: [seed(p, i).hex() for i in range(3)] for p in GENESIS_PARTNERS + ["SE"]}


class Writer:
    def __init__(self, root: Path):
        self.dir = root / "roster-chain"
        self.names: List[str] = []

    def write(self, name: str, vector: Dict[str, object]) -> None:
        self.names.append(name)
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / f"{name}.json").write_text(json.dumps(vector, indent=2) + "\n", encoding="utf-8")

    def chain(self, name: str, description: str, versions: List[bytes], reason: Optional[str] = None,
              as_of: Optional[List[int]] = None) -> None:
        states = []
        refused = None
        state = None
        for index, encoded in enumerate(versions):
            try:
                version = spec.decode_version(encoded)
                state = spec.adopt_genesis(version) if index == 0 else spec.adopt_next(state, version)
            except spec.SpecError as error:
                assert reason is not None and index == len(versions) - 1, f"{name}: {error}"
                assert error.code == reason, f"{name}: refused with {error.code}, expected {reason}: {error}"
                refused = index
                break
            states.append(describe_state(state))
        assert (refused is None) == (reason is None), f"{name}: adopted, expected {reason}"
        vector: Dict[str, object] = {"description": description, "valid": reason is None, "seeds": ALL_SEEDS,
                                     "versions": [{"encoded": v.hex()} for v in versions]}
        for entry, described in zip(vector["versions"], states):
            entry.update(described)
        if reason is not None:
            vector["refused_index"] = refused
            vector["reason"] = reason
        if as_of is not None:
            rows = []
            for time in as_of:
                serial = None
                for described in states:
                    if described["timestamp"] <= time:
                        serial = described["serial"]
                rows.append({"time": time, "serial": serial})
            vector["as_of"] = rows
        self.write(name, vector)

    def decode(self, name: str, description: str, encoded: bytes, reason: str) -> None:
        try:
            spec.decode_version(encoded)
        except spec.SpecError as error:
            assert error.code == reason, f"{name}: refused with {error.code}, expected {reason}: {error}"
        else:
            raise AssertionError(f"{name}: decoded, expected {reason}")
        self.write(name, {"description": description, "valid": False, "encoded": encoded.hex(), "reason": reason})

    def fork(self, name: str, description: str, versions: List[bytes], a: bytes, b: bytes, fork: bool) -> None:
        state = None
        states = []
        for index, encoded in enumerate(versions):
            version = spec.decode_version(encoded)
            state = spec.adopt_genesis(version) if index == 0 else spec.adopt_next(state, version)
            states.append(state)
        va, vb = spec.decode_version(a), spec.decode_version(b)
        proven = False
        if va.serial == vb.serial and va.hash != vb.hash:
            previous = next((s for s in states if s.serial == va.serial - 1), None)
            if previous is not None:
                try:
                    spec.adopt_next(previous, va)
                    spec.adopt_next(previous, vb)
                    proven = True
                except spec.SpecError:
                    proven = False
        assert proven == fork, name
        self.write(name, {"description": description, "valid": True, "seeds": ALL_SEEDS,
                          "versions": [{"encoded": v.hex()} for v in versions],
                          "a": a.hex(), "b": b.hex(), "fork": fork})

    def remove_stale(self) -> None:
        for path in self.dir.glob("*.json"):
            if path.stem not in self.names:
                path.unlink()


THREE = [("DE", 0), ("FR", 0), ("NL", 0)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "Protocol" / "vectors"))
    out = Writer(Path(parser.parse_args().out))

    # --- valid chains --------------------------------------------------------------------------------------
    c = Chain()
    out.chain("valid-01-genesis", "genesis: five partners, NO with a second key retired after seq 40, threshold "
              "3/5, approved by all five", c.versions, as_of=[at(0) - 1, at(0), at(5)])

    c = Chain()
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], THREE)
    out.chain("valid-02-add-partner", "SE joins with the approval of 3 of 5 partners (ceil(3/5 x 5) = 3)",
              c.versions)

    c = Chain()
    c.add([(spec.ADD_KEY, "PL", key("PL", 1)), (spec.RETIRE_KEY, key("PL"), 120)], THREE)
    c.add([(spec.SET_THRESHOLD, 1, 2)], [("PL", 1), ("DE", 0), ("NO", 0)])
    out.chain("valid-03-rotate-key", "PL rotates: a new key added and the old one retired after seq 120 in one "
              "version; PL then approves with its new key", c.versions)

    c = Chain()
    c.add([(spec.REVOKE_KEY, key("FR"), 57), (spec.ADD_KEY, "FR", key("FR", 1))], [("DE", 0), ("NL", 0), ("NO", 0)])
    c.add([(spec.REVOKE_KEY, key("NO", 1), 12)], [("FR", 1), ("DE", 0), ("PL", 0)])
    out.chain("valid-04-revoke-key", "FR's key is revoked after seq 57 (stolen) and a new one added; then NO's "
              "retired key is revoked with a lower cut-off (12, was 40): cut-offs may fall", c.versions)

    c = Chain()
    c.add([(spec.REMOVE_PARTNER, "NO", [(key("NO"), 300), (key("NO", 1), 40)])], THREE)
    c.add([(spec.SET_THRESHOLD, 3, 4)], [("DE", 0), ("FR", 0), ("PL", 0)])
    out.chain("valid-05-remove-partner", "NO is removed with a cut-off for each of its keys; 4 partners remain, "
              "and the next version needs ceil(3/5 x 4) = 3", c.versions)

    c = Chain()
    c.add([(spec.SET_THRESHOLD, 4, 5)], THREE)
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], THREE + [("PL", 0)])
    c.add([(spec.SET_THRESHOLD, 1, 1)], [("DE", 0), ("FR", 0), ("NL", 0), ("SE", 0), ("NO", 0)])
    c.add([(spec.SET_THRESHOLD, 2, 3)], [(p, 0) for p in GENESIS_PARTNERS + ["SE"]])
    out.chain("valid-06-threshold", "the threshold moves 3/5 -> 4/5 -> 1/1 -> 2/3; each version is approved "
              "under the threshold of the version before it", c.versions,
              as_of=[at(0), at(1) - 1, at(2), at(3), at(4), at(400)])

    c = Chain()
    c.add([(spec.ADD_PARTNER, "SE", key("SE")), (spec.ADD_KEY, "SE", key("SE", 1))], THREE)
    c.add([(spec.RETIRE_KEY, key("DE"), 500), (spec.ADD_KEY, "DE", key("DE", 1))],
          [("SE", 1), ("NL", 0), ("FR", 0), ("DE", 0)])
    c.add([(spec.REVOKE_KEY, key("DE"), 450), (spec.REMOVE_PARTNER, "PL", [(key("PL"), 9)])],
          [("DE", 1), ("SE", 0), ("NO", 0), ("FR", 0)])
    c.add([(spec.SET_THRESHOLD, 2, 3)], [("DE", 1), ("SE", 0), ("NO", 0)])
    out.chain("valid-07-lifecycle", "a join with two keys, a rotation, a revocation lowering a retired key's "
              "cut-off, a removal and a threshold change, one after another", c.versions,
              as_of=[at(0), at(2), at(3) + 5, at(9)])

    c = Chain()
    c.versions = [genesis(extra_changes=[(spec.SET_ENCRYPTION_KEY, p, encryption_key(p, 0)) for p in ("DE", "NL")])]
    c.add([(spec.SET_ENCRYPTION_KEY, "NO", encryption_key("NO", 0))], THREE)
    c.add([(spec.SET_ENCRYPTION_KEY, "DE", encryption_key("DE", 1))], THREE)
    c.add([(spec.REMOVE_PARTNER, "NL", [(key("NL"), 30)])], THREE)
    out.chain("valid-08-encryption-keys", "genesis sets DE's and NL's encryption keys, NO sets its own, DE rotates "
              "its key, NL is removed (its key stays listed but NL can no longer be named)", c.versions)

    # --- invalid chains ------------------------------------------------------------------------------------
    c = Chain()
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], [("DE", 0), ("FR", 0)])
    out.chain("invalid-01-below-threshold", "2 approvals where ceil(3/5 x 5) = 3 are needed", c.versions,
              "belowThreshold")

    c = Chain()
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], THREE)
    c.add([(spec.ADD_KEY, "SE", key("SE", 1))], THREE, previous=hashlib.sha256(b"not the head").digest())
    out.chain("invalid-02-wrong-previous", "serial 9 names a previous hash that is not serial 8's", c.versions,
              "wrongPrevious")

    c = Chain()
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], THREE)
    c.add([(spec.ADD_KEY, "SE", key("SE", 1))], THREE, serial_delta=0)
    out.chain("invalid-03-serial-not-increasing", "links to the head but repeats its serial", c.versions,
              "serialNotIncreasing")

    c = Chain()
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], THREE, serial_delta=2)
    out.chain("invalid-04-serial-skips", "links to the head but skips a serial", c.versions, "serialNotIncreasing")

    c = Chain()
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], [("DE", 0), ("FR", 0), ("SE", 0)])
    out.chain("invalid-05-signer-not-member", "the joining partner approves its own admission: SE is not a "
              "partner of the version before", c.versions, "signerNotMember")

    c = Chain()
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], [("DE", 0), ("FR", 0), ("NO", 0), ("NO", 1)])
    out.chain("invalid-06-retired-key-approves", "NO approves with its open key and again with its retired "
              "one: a retired key may not approve (checked before duplicates)", c.versions, "signerNotMember")

    c = Chain()
    c.add([(spec.ADD_KEY, "NO", key("NO", 2))], THREE)
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], [("DE", 0), ("FR", 0), ("NO", 0), ("NO", 2)])
    out.chain("invalid-07-duplicate-signer", "NO approves with two open keys: one partner, one approval",
              c.versions, "duplicateSigner")

    c = Chain()
    v8 = c.add([(spec.ADD_PARTNER, "SE", key("SE"))], THREE)
    c.add([(spec.ADD_KEY, "SE", key("SE", 1))], THREE + [("NO", 0)])
    out.chain("invalid-08-rollback", "serial 8 offered again after serial 9 was adopted", c.versions + [v8],
              "rollback")

    c = Chain()
    c.add([(spec.REMOVE_PARTNER, "NO", [(key("NO"), 300), (key("NO", 1), 40)])], THREE)
    c2 = Chain()
    other = c2.add([(spec.ADD_PARTNER, "SE", key("SE"))], THREE)
    out.chain("invalid-09-rollback-competing", "a different serial 8 (from an older fork or a replay) offered "
              "after serial 8 was adopted", c.versions + [other], "rollback")

    c = Chain()
    c.add([(spec.RETIRE_KEY, key("NO", 1), 41)], THREE)
    out.chain("invalid-10-raised-cutoff", "NO's second key, valid up to seq 40, would become valid up to 41",
              c.versions, "cutoffRaised")

    c = Chain()
    c.add([(spec.REMOVE_PARTNER, "NO", [(key("NO"), 300), (key("NO", 1), 41)])], THREE)
    out.chain("invalid-11-removal-raises-cutoff", "a removal that would raise a retired key's cut-off",
              c.versions, "cutoffRaised")

    c = Chain()
    c.add([(spec.REMOVE_PARTNER, "NL", [(key("NL"), 10)])], THREE)
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], [("DE", 0), ("FR", 0), ("NL", 0)])
    out.chain("invalid-12-removed-partner-approves", "NL approves after its removal", c.versions,
              "signerNotMember")

    c = Chain()
    c.add([(spec.ADD_PARTNER, "SE", key("NL"))], THREE)
    out.chain("invalid-13-key-reused", "a new partner with a key already in the roster", c.versions,
              "illegalChange")

    c = Chain()
    c.add([(spec.REMOVE_PARTNER, "SE", [(key("SE"), 1)])], THREE)
    out.chain("invalid-14-remove-unknown-partner", "removing a partner that is not in the roster", c.versions,
              "illegalChange")

    c = Chain()
    c.add([(spec.REMOVE_PARTNER, "NO", [(key("NO"), 300)])], THREE)
    out.chain("invalid-15-removal-misses-a-key", "a removal must give a cut-off for every key of the partner",
              c.versions, "illegalChange")

    c = Chain()
    c.add([(spec.REMOVE_PARTNER, "NL", [(key("NL"), 10)])], THREE)
    c.add([(spec.ADD_PARTNER, "NL", key("NL", 1))], [("DE", 0), ("FR", 0), ("PL", 0)])
    out.chain("invalid-16-partner-code-reused", "a removed partner's code added again", c.versions,
              "illegalChange")

    c = Chain()
    b9 = c.next_body([(spec.ADD_PARTNER, "SE", key("SE"))])
    good = signed(b9, THREE)
    tampered = bytearray(good)
    tampered[-1] ^= 0x01
    c.versions.append(bytes(tampered))
    out.chain("invalid-17-bad-signature", "one approval's signature has a flipped bit", c.versions, "badSignature")

    c = Chain()
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], THREE, day_delta=0)
    out.chain("invalid-18-timestamp-not-increasing", "a version with the same timestamp as the one before",
              c.versions, "timestampNotIncreasing")

    out.chain("invalid-19-genesis-not-unanimous", "a genesis approved by four of its five partners",
              [genesis(signers=[(p, 0) for p in GENESIS_PARTNERS[:4]])], "belowThreshold")

    out.chain("invalid-20-genesis-without-threshold", "a genesis that sets no threshold",
              [signed(body(1, ZERO, 0, [(spec.ADD_PARTNER, p, key(p)) for p in GENESIS_PARTNERS]),
                      [(p, 0) for p in GENESIS_PARTNERS])], "illegalChange")

    c = Chain()
    c.add([(spec.ADD_PARTNER, "SE", key("SE"))], [("DE", 0), ("FR", 0), ("NL", 0, "PL")])
    out.chain("invalid-21-key-of-another-partner", "NL's key signs as PL", c.versions, "signerNotMember")

    c = Chain()
    c.add([(spec.SET_ENCRYPTION_KEY, "SE", encryption_key("SE", 0))], THREE)
    out.chain("invalid-22-encryption-key-of-non-partner", "an encryption key for SE, which is not a partner",
              c.versions, "illegalChange")

    # --- forks ---------------------------------------------------------------------------------------------
    c = Chain()
    c.add([(spec.ADD_KEY, "DE", key("DE", 1))], THREE)
    base = list(c.versions)
    a = c.add([(spec.ADD_PARTNER, "SE", key("SE"))], THREE)
    b = signed(body(9, spec.decode_version(base[-1]).hash, c.day, [(spec.REMOVE_PARTNER, "PL", [(key("PL"), 3)])]),
               [("NO", 0), ("PL", 0), ("DE", 1)])
    out.fork("fork-01-proven", "two versions at serial 9, each approved by 3 partners of serial 8: a roster fork",
             base, a, b, True)
    a_more = signed(spec.decode_version(a).body, THREE + [("NO", 0)])
    out.fork("fork-02-same-version-more-approvals", "one version with two approval sets: the same hash, no fork",
             base, a, a_more, False)
    below = signed(spec.decode_version(b).body, [("NO", 0), ("PL", 0)])
    out.fork("fork-03-one-below-threshold", "the second version lacks approvals: not a proof", base, a, below,
             False)

    # --- decoding ------------------------------------------------------------------------------------------
    g = genesis()
    gv = spec.decode_version(g)
    out.decode("decode-01-trailing-byte", "a byte after the last approval", g + b"\x00", "trailingBytes")
    out.decode("decode-02-truncated", "the last approval's signature cut short", g[:-1], "truncated")
    out.decode("decode-03-nonminimal-serial", "serial 7 written as 87 00",
               b"\x87\x00" + g[1:], "nonMinimalVarint")
    unsorted = spec.encode_version(body(7, ZERO, 0, [(spec.ADD_PARTNER, "NO", key("NO")),
                                                      (spec.ADD_PARTNER, "DE", key("DE"))], sort=False), [])
    out.decode("decode-04-changes-unsorted", "changes out of canonical order", unsorted, "invalidValue")
    dup = spec.encode_version(body(7, ZERO, 0, [(spec.SET_THRESHOLD, 1, 2)] * 2, sort=False), [])
    out.decode("decode-05-change-repeated", "the same change twice", dup, "invalidValue")
    approvals = [spec.approve(gv.body, p, seed(p, 0)) for p in ("NO", "DE")]
    out.decode("decode-06-approvals-unsorted", "approvals out of (partner, key) order",
               spec.encode_version(gv.body, approvals, sort=False), "invalidValue")
    out.decode("decode-07-unknown-change", "change tag 8",
               spec.encode_varint(1) + ZERO + at(0).to_bytes(8, "big") + b"\x01\x08" + b"\x00", "invalidValue")
    out.decode("decode-08-threshold-zero", "threshold 0/5",
               spec.encode_varint(1) + ZERO + at(0).to_bytes(8, "big") + b"\x01\x06\x00\x05\x00", "invalidValue")
    out.decode("decode-09-threshold-above-one", "threshold 6/5",
               spec.encode_varint(1) + ZERO + at(0).to_bytes(8, "big") + b"\x01\x06\x06\x05\x00", "invalidValue")
    out.decode("decode-10-change-count-over-limit", "8,193 changes announced",
               spec.encode_varint(1) + ZERO + at(0).to_bytes(8, "big") + spec.encode_varint(8193), "overLimit")
    out.decode("decode-11-approval-count-over-limit", "4,097 approvals announced",
               gv.body + spec.encode_varint(4097), "overLimit")
    out.decode("decode-12-bad-partner-code", "partner code 'no' (lower case)",
               spec.encode_varint(1) + ZERO + at(0).to_bytes(8, "big") + b"\x01\x01\x02no" + key("NO") + b"\x00",
               "invalidValue")
    out.decode("decode-13-partner-code-too-long", "a 17-byte partner code length",
               spec.encode_varint(1) + ZERO + at(0).to_bytes(8, "big") + b"\x01\x01\x11" + b"A" * 17, "overLimit")
    out.decode("decode-14-timestamp-zero", "timestamp 0",
               spec.encode_varint(1) + ZERO + bytes(8) + b"\x00\x00", "invalidValue")
    out.decode("decode-15-removal-without-keys", "a removal listing no keys",
               spec.encode_varint(1) + ZERO + at(0).to_bytes(8, "big") + b"\x01\x05\x02NO\x00\x00", "invalidValue")
    out.decode("decode-16-serial-over-limit", "serial 2^62 + 1",
               spec.encode_varint((1 << 62) + 1) + ZERO + at(0).to_bytes(8, "big") + b"\x00\x00", "overLimit")
    out.remove_stale()
    print(f"wrote {len(out.names)} roster chain vectors to {out.dir}")


if __name__ == "__main__":
    main()
