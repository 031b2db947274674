#!/usr/bin/env python3
"""Writes the entry, roster and fork proof test vectors in Protocol/vectors/ from the spec (capsync_spec.py),
not from Swift.

Deterministic: fixed seeds, fixed timestamps, and Ed25519 signing is deterministic, so running this again leaves
the files unchanged. Every vector is checked against the decoder of capsync_spec.py before it is written: a valid
vector must decode, verify and chain; an invalid one must be refused with exactly its `reason`.

Usage: python3 tools/vectors/gen_entry_vectors.py [--out Protocol/vectors]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

sys.dont_write_bytecode = True
import capsync_spec as spec  # noqa: E402

# Two fixed seeds. SEED_B is RFC 8032 §7.1 TEST 2's secret key: its public key (3d4017c3…660c) can be checked
# against the RFC, which checks the Ed25519 library used here.
SEED_A = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bef031cae7f60")
SEED_B = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
# 2026-01-01T00:00:00Z in milliseconds.
BASE_MS = 1_767_225_600_000


def hlc(milliseconds: int, logical: int = 0) -> int:
    return milliseconds << 16 | logical


def payload_pattern(count: int) -> bytes:
    """Bytes i mod 251 (a prime, so the pattern does not line up with powers of two)."""
    return bytes(i % 251 for i in range(count))


class VectorWriter:
    def __init__(self, root: Path):
        self.entry_dir = root / "entry"
        self.roster_dir = root / "roster"
        self.fork_dir = root / "fork-proof"
        self.entry_files: List[str] = []
        self.roster_files: List[str] = []
        self.fork_files: List[str] = []

    # -- entries ------------------------------------------------------------------------------------------------

    def valid(self, name: str, description: str, seed: bytes, seq: int, prev: bytes, timestamp: int, kind: int,
              payload: bytes, version: int = 1, previous: Optional[bytes] = None) -> bytes:
        author = spec.raw_public_key(seed)
        unsigned = spec.encode_unsigned(version, author, seq, prev, timestamp, kind, payload)
        encoded = spec.sign_unsigned(seed, unsigned)
        entry = spec.decode_entry(encoded)
        assert spec.verify_signature(entry, author), name
        if previous is not None:
            spec.check_follows(entry, spec.decode_entry(previous))
        vector: Dict[str, object] = {
            "description": description,
            "valid": True,
            "seed": seed.hex(),
            "public_key": author.hex(),
            "version": version,
            "author": author.hex(),
            "seq": seq,
            "prev": prev.hex(),
            "timestamp": timestamp,
            "timestamp_milliseconds": timestamp >> 16,
            "timestamp_logical": timestamp & 0xFFFF,
            "kind": kind,
            "payload_length": len(payload),
            "payload": payload.hex(),
            "signing_message": (spec.ENTRY_DOMAIN + unsigned).hex(),
            "signature": encoded[-64:].hex(),
            "encoded": encoded.hex(),
            "entry_id": hashlib.sha256(encoded).hexdigest(),
        }
        if previous is not None:
            vector["previous_encoded"] = previous.hex()
        self._write_entry(name, vector)
        return encoded

    def invalid(self, name: str, description: str, reason: str, stage: str, encoded: bytes,
                public_key: Optional[bytes] = None, previous: Optional[bytes] = None,
                detail: Optional[str] = None, seed: Optional[bytes] = None) -> None:
        self._check_refused(name, reason, stage, encoded, public_key, previous)
        vector: Dict[str, object] = {"description": description, "valid": False, "reason": reason, "stage": stage}
        if detail is not None:
            vector["reason_detail"] = detail
        if seed is not None:
            vector["seed"] = seed.hex()
        if public_key is not None:
            vector["public_key"] = public_key.hex()
        vector["encoded"] = encoded.hex()
        if previous is not None:
            vector["previous_encoded"] = previous.hex()
        self._write_entry(name, vector)

    @staticmethod
    def _check_refused(name: str, reason: str, stage: str, encoded: bytes, public_key: Optional[bytes],
                       previous: Optional[bytes]) -> None:
        if stage == "decode":
            try:
                spec.decode_entry(encoded)
            except spec.SpecError as error:
                assert error.code == reason, f"{name}: refused with {error.code}, expected {reason}"
                return
            raise AssertionError(f"{name}: decoded, expected {reason}")
        entry = spec.decode_entry(encoded)
        if stage == "signature":
            assert reason == "badSignature" and not spec.verify_signature(entry, public_key), name
            return
        assert stage == "chain" and previous is not None, name
        before = spec.decode_entry(previous)
        assert spec.verify_signature(entry) and spec.verify_signature(before), f"{name}: chain vectors are signed"
        try:
            spec.check_follows(entry, before)
        except spec.SpecError as error:
            assert error.code == reason, f"{name}: refused with {error.code}, expected {reason}"
            return
        raise AssertionError(f"{name}: chained, expected {reason}")

    def _write_entry(self, name: str, vector: Dict[str, object]) -> None:
        self.entry_files.append(name)
        _write_json(self.entry_dir / f"{name}.json", vector)

    # -- rosters ------------------------------------------------------------------------------------------------

    def roster(self, name: str, description: str, text: str) -> None:
        serial, members = spec.parse_roster(text)
        canonical = spec.roster_canonical_bytes(serial, members)
        formatted = spec.roster_file_text(serial, members)
        assert spec.parse_roster(formatted) == (serial, members), name
        vector = {
            "description": description,
            "valid": True,
            "file_text": text,
            "serial": serial,
            "members": [
                {
                    "partner": m.partner,
                    "key": m.key.hex(),
                    "key_base64": spec.base64_encode(m.key),
                    "last_valid_seq": m.last_valid_seq,
                }
                for m in members
            ],
            "canonical_file_text": formatted,
            "canonical_bytes": canonical.hex(),
            "hash": hashlib.sha256(canonical).hexdigest(),
        }
        self.roster_files.append(name)
        _write_json(self.roster_dir / f"{name}.json", vector)

    def bad_roster(self, name: str, description: str, text: str, reason: str, line: Optional[int]) -> None:
        try:
            spec.parse_roster(text)
        except spec.SpecError as error:
            assert (error.code, error.line) == (reason, line), f"{name}: {error.code} line {error.line}"
        else:
            raise AssertionError(f"{name}: parsed, expected {reason}")
        vector = {"description": description, "valid": False, "file_text": text, "reason": reason, "line": line}
        self.roster_files.append(name)
        _write_json(self.roster_dir / f"{name}.json", vector)

    # -- fork proofs --------------------------------------------------------------------------------------------

    def fork_proof(self, name: str, description: str, encoded: bytes, reason: Optional[str] = None) -> None:
        vector: Dict[str, object] = {"description": description, "valid": reason is None}
        try:
            first, second = spec.decode_fork_proof(encoded)
        except spec.SpecError as error:
            assert error.code == reason, f"{name}: refused with {error.code}, expected {reason}"
            vector["reason"] = reason
        else:
            assert reason is None, f"{name}: accepted, expected {reason}"
            vector.update({
                "author": first.author.hex(),
                "seq": first.seq,
                "first_id": first.entry_id.hex(),
                "second_id": second.entry_id.hex(),
                "canonical": spec.encode_fork_proof(first, second).hex(),
            })
        vector["encoded"] = encoded.hex()
        self.fork_files.append(name)
        _write_json(self.fork_dir / f"{name}.json", vector)

    def remove_stale(self) -> None:
        for directory, names in ((self.entry_dir, self.entry_files), (self.roster_dir, self.roster_files),
                                 (self.fork_dir, self.fork_files)):
            for path in directory.glob("*.json"):
                if path.stem not in names:
                    path.unlink()


def _write_json(path: Path, vector: Dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(vector, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def entry_vectors(out: VectorWriter) -> None:
    a = spec.raw_public_key(SEED_A)
    b = spec.raw_public_key(SEED_B)
    assert b.hex() == "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "RFC 8032 TEST 2"
    report = b"capacity 155mm shells; site 3; 2026-01; 12000 per month"

    # --- valid ---
    first = out.valid("valid-01-seq1-genesis", "seq 1: all-zero prev, version 1, a short payload",
                      SEED_A, 1, bytes(32), hlc(BASE_MS), 1, report)
    second = out.valid("valid-02-seq2-chained", "seq 2 follows valid-01: prev is its id, timestamp one logical "
                       "tick later (same millisecond)", SEED_A, 2, hashlib.sha256(first).digest(),
                       hlc(BASE_MS, 1), 1, b"stock 155mm shells; site 3; 48000", previous=first)
    out.valid("valid-03-large-varints", "the largest seq (2^62, a 9-byte varint) and kind (2^32-1, 5 bytes), "
              "timestamp with a logical counter", SEED_A, spec.MAX_SEQ, bytes(range(32)),
              hlc(BASE_MS + 86_400_000, 0xBEEF), spec.MAX_KIND, b"\x00\xff")
    out.valid("valid-04-empty-payload", "an empty payload (length byte 00), kind 0: the smallest entry, 140 bytes",
              SEED_A, 3, hashlib.sha256(second).digest(), hlc(BASE_MS + 1), 0, b"",
              previous=second)
    out.valid("valid-05-max-payload", "the largest payload, 65536 bytes i mod 251 (length 80 80 04): the largest "
              "entry short of the varint maxima", SEED_A, 4, bytes([0x44] * 32), hlc(BASE_MS + 2), 7,
              payload_pattern(spec.MAX_PAYLOAD))
    out.valid("valid-06-version-2", "version 2: unknown to this spec's fold but the same envelope; a valid entry "
              "that nodes store and relay", SEED_A, 5, bytes([0x55] * 32), hlc(BASE_MS + 3), 1,
              b"future format", version=2)
    out.valid("valid-07-multibyte-lengths", "2-byte varints everywhere: seq 300 (ac 02), kind 128 (80 01), "
              "payload length 200 (c8 01)", SEED_A, 300, bytes([0x77] * 32), hlc(BASE_MS + 4), 128,
              payload_pattern(200))
    b_first = out.valid("valid-08-second-key", "seq 1 of a second author (the RFC 8032 TEST 2 key)", SEED_B, 1,
                        bytes(32), hlc(BASE_MS + 10, 2), 2, "gun barrels 120mm: 40/month".encode())
    out.valid("valid-09-extremes", "version 255, the largest timestamp (2^64-1), payload length 127 (the largest "
              "1-byte length), kind 127", SEED_B, 2, hashlib.sha256(b_first).digest(), (1 << 64) - 1, 127,
              payload_pattern(127), version=255, previous=b_first)
    out.valid("valid-10-payload-128", "payload length 128, the smallest 2-byte length (80 01)", SEED_B, 9,
              bytes([0x99] * 32), hlc(BASE_MS + 20), 3, payload_pattern(128))

    # --- refused while decoding ---
    def sign_raw(pieces: bytes, seed: bytes = SEED_A) -> bytes:
        return spec.sign_unsigned(seed, pieces)

    ts = hlc(BASE_MS).to_bytes(8, "big")
    nonminimal = sign_raw(bytes([1]) + a + bytes([0x82, 0x00]) + bytes([0x11] * 32) + ts + b"\x01\x00")
    out.invalid("invalid-01-nonminimal-seq", "seq 2 written as 82 00 (a padded varint); validly signed over those "
                "bytes", "nonMinimalVarint", "decode", nonminimal, a, seed=SEED_A)
    nonminimal_len = sign_raw(bytes([1]) + a + b"\x01" + bytes(32) + ts + b"\x01" + b"\x83\x80\x00" + b"abc")
    out.invalid("invalid-02-nonminimal-payload-length", "payload length 3 written as 83 80 00",
                "nonMinimalVarint", "decode", nonminimal_len, a, seed=SEED_A)
    out.invalid("invalid-03-trailing-byte", "valid-01 followed by one 00 byte", "trailingBytes", "decode",
                first + b"\x00", a)
    out.invalid("invalid-04-truncated-signature", "valid-01 without its last byte", "truncated", "decode",
                first[:-1], a)
    out.invalid("invalid-05-truncated-payload", "a payload length of 100 with only 10 bytes left",
                "truncated", "decode", bytes([1]) + a + b"\x01" + bytes(32) + ts + b"\x01" + b"\x64" + bytes(10), a)
    big = spec.encode_unsigned(1, a, 1, bytes(32), hlc(BASE_MS), 1, payload_pattern(spec.MAX_PAYLOAD + 1))
    out.invalid("invalid-06-payload-over-limit", "payload length 65537 (81 80 04), all 65537 bytes present and "
                "validly signed", "overLimit", "decode", sign_raw(big), a, seed=SEED_A)
    over_seq = sign_raw(spec.encode_unsigned(1, a, spec.MAX_SEQ + 1, bytes([0x11] * 32), hlc(BASE_MS), 1, b"x"))
    out.invalid("invalid-07-seq-over-limit", "seq 2^62+1", "overLimit", "decode", over_seq, a, seed=SEED_A)
    over_kind = sign_raw(spec.encode_unsigned(1, a, 1, bytes(32), hlc(BASE_MS), spec.MAX_KIND + 1, b"x"))
    out.invalid("invalid-08-kind-over-limit", "kind 2^32", "overLimit", "decode", over_kind, a, seed=SEED_A)
    overflow = sign_raw(bytes([1]) + a + b"\x01" + bytes(32) + ts + b"\xff" * 9 + b"\x02" + b"\x00")
    out.invalid("invalid-09-varint-overflow", "kind as a 10-byte varint whose last byte is 02 (over 64 bits)",
                "varintOverflow", "decode", overflow, a, seed=SEED_A)
    seq1_prev = sign_raw(spec.encode_unsigned(1, a, 1, bytes([0x11] * 32), hlc(BASE_MS), 1, b"x"))
    out.invalid("invalid-10-seq1-nonzero-prev", "seq 1 with a non-zero prev", "invalidValue", "decode",
                seq1_prev, a, seed=SEED_A)
    seq2_zero = sign_raw(spec.encode_unsigned(1, a, 2, bytes(32), hlc(BASE_MS), 1, b"x"))
    out.invalid("invalid-11-seq2-zero-prev", "seq 2 with an all-zero prev", "invalidValue", "decode",
                seq2_zero, a, seed=SEED_A)
    version0 = sign_raw(spec.encode_unsigned(0, a, 1, bytes(32), hlc(BASE_MS), 1, b"x"))
    out.invalid("invalid-12-version-0", "version 0", "invalidValue", "decode", version0, a, seed=SEED_A)
    ts0 = sign_raw(spec.encode_unsigned(1, a, 1, bytes(32), 0, 1, b"x"))
    out.invalid("invalid-13-timestamp-0", "timestamp 0", "invalidValue", "decode", ts0, a, seed=SEED_A)
    seq0 = sign_raw(spec.encode_unsigned(1, a, 0, bytes(32), hlc(BASE_MS), 1, b"x"))
    out.invalid("invalid-14-seq-0", "seq 0", "invalidValue", "decode", seq0, a, seed=SEED_A)

    # --- refused by the signature check ---
    flipped = bytearray(first)
    flipped[-1] ^= 0x01
    out.invalid("invalid-15-bad-signature", "valid-01 with the last bit of the signature flipped",
                "badSignature", "signature", bytes(flipped), a)
    tampered = bytearray(first)
    tampered[-65] ^= 0x20
    out.invalid("invalid-16-payload-tampered", "valid-01 with one payload bit flipped after signing",
                "badSignature", "signature", bytes(tampered), a)
    unsigned_first = first[:-64]
    out.invalid("invalid-17-wrong-domain", "valid-01's fields signed under the domain CAPSYNC-ENTRY-SIG-V2 "
                "(then 00) instead of CAPSYNC-ENTRY-SIG-V1", "badSignature", "signature",
                spec.sign_unsigned(SEED_A, unsigned_first, b"CAPSYNC-ENTRY-SIG-V2\x00"), a,
                detail="wrong domain", seed=SEED_A)
    out.invalid("invalid-18-no-domain", "valid-01's fields signed without the domain string",
                "badSignature", "signature", spec.sign_unsigned(SEED_A, unsigned_first, b""), a,
                detail="wrong domain", seed=SEED_A)
    out.invalid("invalid-19-signed-by-other-key", "author is key A but the signature is key B's",
                "badSignature", "signature", spec.sign_unsigned(SEED_B, unsigned_first), a,
                detail="wrong key", seed=SEED_B)

    # S + L is the same scalar modulo the group order; RFC 8032 §5.1.7 makes verifiers refuse it, so an entry
    # cannot be re-signed into a second id without the key.
    order = 2**252 + 27742317777372353535851937790883648493
    s_value = int.from_bytes(first[-32:], "little")
    malleated = first[:-32] + (s_value + order).to_bytes(32, "little")
    out.invalid("invalid-25-malleated-signature", "valid-01 with S replaced by S + L (the group order): the same "
                "scalar, a non-canonical encoding", "badSignature", "signature", malleated, a,
                detail="non-canonical S")

    # --- refused by the chain check (both entries decode and verify) ---
    same_time = sign_raw(spec.encode_unsigned(1, a, 2, hashlib.sha256(first).digest(), hlc(BASE_MS), 1, b"x"))
    out.invalid("invalid-20-timestamp-not-increasing", "seq 2 after valid-01 with the same timestamp",
                "timestampNotIncreasing", "chain", same_time, a, previous=first, seed=SEED_A)
    earlier = sign_raw(spec.encode_unsigned(1, a, 2, hashlib.sha256(first).digest(), hlc(BASE_MS - 1), 1, b"x"))
    out.invalid("invalid-21-timestamp-going-back", "seq 2 after valid-01 one millisecond earlier",
                "timestampNotIncreasing", "chain", earlier, a, previous=first, seed=SEED_A)
    wrong_prev = sign_raw(spec.encode_unsigned(1, a, 2, bytes([0x11] * 32), hlc(BASE_MS, 1), 1, b"x"))
    out.invalid("invalid-22-broken-chain-prev", "seq 2 after valid-01 whose prev is not valid-01's id",
                "brokenChain", "chain", wrong_prev, a, previous=first, seed=SEED_A)
    gap = sign_raw(spec.encode_unsigned(1, a, 3, hashlib.sha256(first).digest(), hlc(BASE_MS, 1), 1, b"x"))
    out.invalid("invalid-23-broken-chain-seq-gap", "seq 3 directly after seq 1 (prev is seq 1's id)",
                "brokenChain", "chain", gap, a, previous=first, seed=SEED_A)
    other = spec.sign_unsigned(SEED_B, spec.encode_unsigned(1, b, 2, hashlib.sha256(first).digest(),
                                                            hlc(BASE_MS, 1), 1, b"x"))
    out.invalid("invalid-24-wrong-author", "key B's seq 2 naming key A's seq 1 as prev", "wrongAuthor", "chain",
                other, b, previous=first, seed=SEED_B)


def roster_vectors(out: VectorWriter) -> None:
    a = spec.base64_encode(spec.raw_public_key(SEED_A))
    b = spec.base64_encode(spec.raw_public_key(SEED_B))
    c = spec.base64_encode(spec.raw_public_key(bytes([0xC0] * 32)))
    d = spec.base64_encode(spec.raw_public_key(bytes([0xD0] * 32)))

    out.roster("roster-01-minimal", "one partner, one key, serial 1",
               f"capsync-roster v1\nserial 1\nkey NO {a}\n")
    out.roster("roster-02-unsorted-comments", "unsorted lines, comments, blank lines, tabs and CRLF line ends: "
               "the hash is the same as for the canonical text",
               "# coalition roster, edited by hand\r\n"
               "capsync-roster v1   # header\r\n"
               "\r\n"
               f"key\tUS {c}\r\n"
               "serial 42\r\n"
               f"key NL {b} last-seq 1000   # key retired at seq 1000\r\n"
               f"key NATO-SPO {d}\r\n")
    out.roster("roster-03-partner-with-two-keys", "one partner holding two keys (sorted by key bytes) and a "
               "last-seq of 0 (no entry of that key is valid)",
               f"capsync-roster v1\nserial 7\nkey DE {c} last-seq 0\nkey DE {a}\nkey DE {b} last-seq "
               f"18446744073709551615\n")
    out.roster("roster-04-no-members", "a roster with no keys (serial 0)", "capsync-roster v1\nserial 0\n")

    out.bad_roster("roster-bad-01-header", "the first line is not the header", f"serial 1\nkey NO {a}\n",
                   "parse", 1)
    out.bad_roster("roster-bad-02-partner-code", "a lower-case partner code", f"capsync-roster v1\nserial 1\n"
                   f"key no {a}\n", "parse", 3)
    out.bad_roster("roster-bad-03-key-length", "a 31-byte key", "capsync-roster v1\nserial 1\nkey NO "
                   + spec.base64_encode(bytes(31)) + "\n", "parse", 3)
    out.bad_roster("roster-bad-04-unknown-line", "an unknown keyword", "capsync-roster v1\nserial 1\n\n"
                   "member NO x\n", "parse", 4)
    out.bad_roster("roster-bad-05-second-serial", "two serial lines", "capsync-roster v1\nserial 1\nserial 2\n",
                   "parse", 3)
    out.bad_roster("roster-bad-06-signed-number", "a '+' sign on last-seq (only digits are allowed)",
                   f"capsync-roster v1\nserial 1\nkey NO {a} last-seq +5\n", "parse", 3)
    out.bad_roster("roster-bad-07-missing-serial", "no serial line", f"capsync-roster v1\nkey NO {a}\n",
                   "parse", None)
    out.bad_roster("roster-bad-08-duplicate-key", "one key listed for two partners",
                   f"capsync-roster v1\nserial 1\nkey NO {a}\nkey NL {a}\n", "invalidValue", None)
    out.bad_roster("roster-bad-09-empty", "only comments", "# nothing here\n", "parse", None)


def fork_proof_vectors(out: VectorWriter) -> None:
    a = spec.raw_public_key(SEED_A)
    genesis = spec.sign_unsigned(SEED_A, spec.encode_unsigned(1, a, 1, bytes(32), hlc(BASE_MS), 1, b"genesis"))
    link = hashlib.sha256(genesis).digest()
    x = spec.sign_unsigned(SEED_A, spec.encode_unsigned(1, a, 2, link, hlc(BASE_MS + 1), 1, b"stock: 48000"))
    y = spec.sign_unsigned(SEED_A, spec.encode_unsigned(1, a, 2, link, hlc(BASE_MS + 1), 1, b"stock: 52000"))
    dx, dy = spec.decode_entry(x), spec.decode_entry(y)
    low, high = (x, y) if dx.entry_id < dy.entry_id else (y, x)

    def frame(*entries: bytes) -> bytes:
        return b"".join(spec.encode_varint(len(e)) + e for e in entries)

    out.fork_proof("fork-01-equivocation", "two signed seq 2 entries of one author, same prev and timestamp, "
                   "different payloads; the smaller id first", frame(low, high))
    out.fork_proof("fork-02-reversed-order", "the same proof with the larger id first: accepted, and re-encoded "
                   "in id order (`canonical`)", frame(high, low))
    out.fork_proof("fork-bad-01-same-entry", "one entry twice", frame(x, x), "invalidValue")
    out.fork_proof("fork-bad-02-different-seq", "seq 1 and seq 2 of one author", frame(genesis, x), "invalidValue")
    forged = bytearray(y)
    forged[-1] ^= 0x01
    out.fork_proof("fork-bad-03-bad-signature", "the second entry's signature has a flipped bit",
                   frame(x, bytes(forged)), "badSignature")
    out.fork_proof("fork-bad-04-trailing-byte", "a valid proof followed by one 00 byte", frame(low, high) + b"\x00",
                   "trailingBytes")
    out.fork_proof("fork-bad-05-entry-shorter-than-its-length", "the first length is one more than the entry "
                   "(the entry then has a trailing byte)", spec.encode_varint(len(low) + 1) + low + b"\x00"
                   + spec.encode_varint(len(high)) + high, "trailingBytes")


def decode_differential_vectors(out: VectorWriter) -> None:
    """Seeded mutations of valid entries, each with the outcome this implementation decides (entry.md §1.2):
    a second implementation must decide every one the same way, which pins down the order of the checks."""
    bases = [bytes.fromhex(json.loads((out.entry_dir / f"{name}.json").read_text())["encoded"])
             for name in ("valid-01-seq1-genesis", "valid-03-large-varints", "valid-04-empty-payload",
                          "valid-07-multibyte-lengths")]
    rng = random.Random(2026)
    cases = []
    for index in range(400):
        data = bytearray(bases[index % len(bases)])
        operation = index % 5
        if operation == 0:
            for _ in range(rng.randint(1, 3)):
                data[rng.randrange(len(data))] ^= rng.randint(1, 255)
        elif operation == 1:
            del data[rng.randrange(len(data)):]
        elif operation == 2:
            data.insert(rng.randrange(len(data) + 1), rng.randint(0, 255))
        elif operation == 3:
            del data[rng.randrange(len(data))]
        else:
            # Hit the varints and fixed fields at the front, where the interesting rules are.
            data[rng.randrange(33, min(len(data), 100))] = rng.choice([0x00, 0x01, 0x7F, 0x80, 0xFF])
        try:
            spec.decode_entry(bytes(data))
            outcome = "decodes"
        except spec.SpecError as error:
            outcome = error.code
        cases.append({"encoded": bytes(data).hex(), "outcome": outcome})
    outcomes = {case["outcome"] for case in cases}
    assert {"decodes", "truncated", "trailingBytes", "invalidValue", "overLimit"} <= outcomes, outcomes
    vector = {
        "description": "400 seeded mutations (bit flips, truncations, inserted and deleted bytes, edited varints) "
                       "of valid entries; `outcome` is `decodes` or the WireError.Code that decoding refuses with",
        "cases": cases,
    }
    _write_json(out.entry_dir.parent / "entry-decode" / "decode-differential.json", vector)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "Protocol" / "vectors")
    args = parser.parse_args()
    out = VectorWriter(args.out)
    entry_vectors(out)
    decode_differential_vectors(out)
    roster_vectors(out)
    fork_proof_vectors(out)
    out.remove_stale()
    print(f"wrote {len(out.entry_files)} entry, {len(out.roster_files)} roster and {len(out.fork_files)} fork proof "
          f"vectors to {args.out}")


if __name__ == "__main__":
    main()
