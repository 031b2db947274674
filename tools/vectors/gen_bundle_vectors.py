#!/usr/bin/env python3
"""Writes the bundle test vectors in Protocol/vectors/bundle/ from Protocol/bundle.md (and sync.md's ENTRIES and
FORKS bodies), not from Swift.

Deterministic: fixed seeds and timestamps, and Ed25519 signing is deterministic, so running this again leaves the
files unchanged. Valid vectors give the store content, the recipient's heads and the expected bytes; invalid ones
are built from valid bundles by changing one thing, and name the error code and file offset a reader must refuse
them with (bundle.md §4: codes of BundleError.Code).

Usage: python3 tools/vectors/gen_bundle_vectors.py [--out Protocol/vectors/bundle]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
import capsync_spec as spec  # noqa: E402

SEED_A = bytes([1]) * 32
SEED_B = bytes([2]) * 32
SEED_CREATOR = bytes([3]) * 32
ROSTER_HASH = hashlib.sha256(b"bundle vectors roster").digest()
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z

MAGIC = b"CSBUNDLE"
DOMAIN = b"CAPSYNC-BUNDLE-V1" + b"\x00"
MAX_CHUNK = 4 * 1024 * 1024
MAX_ENTRIES_PER_CHUNK = 4096
PROOFS_PER_CHUNK = 16
TYPE_ENTRIES, TYPE_FORKS, TYPE_END = 0x03, 0x04, 0x0F


def u16(v: int) -> bytes:
    return v.to_bytes(2, "big")


def u32(v: int) -> bytes:
    return v.to_bytes(4, "big")


def string(text: str) -> bytes:
    raw = text.encode()
    return spec.encode_varint(len(raw)) + raw


def chain(seed: bytes, count: int, start_ms: int, tag: bytes, kinds=(1, 2, 3)) -> List[spec.Entry]:
    """`count` entries of the author of `seed`, linked from seq 1, timestamps strictly increasing."""
    author = spec.raw_public_key(seed)
    out: List[spec.Entry] = []
    prev = bytes(32)
    for index in range(count):
        seq = index + 1
        timestamp = (start_ms + 1000 * index) << 16 | index
        payload = tag + bytes([index]) * (index % 5)
        unsigned = spec.encode_unsigned(1, author, seq, prev, timestamp, kinds[index % len(kinds)], payload)
        entry = spec.decode_entry(spec.sign_unsigned(seed, unsigned))
        out.append(entry)
        prev = entry.entry_id
    return out


def alternative(seed: bytes, entries: List[spec.Entry], seq: int) -> spec.Entry:
    """Another entry at `seq`, linked to the same predecessor: an equivocation."""
    original = entries[seq - 1]
    unsigned = spec.encode_unsigned(1, original.author, seq, original.prev, original.timestamp + 1, 1, b"other")
    return spec.decode_entry(spec.sign_unsigned(seed, unsigned))


@dataclass
class Author:
    key: bytes
    head_seq: int
    head_id: bytes
    base_seq: int
    base_id: bytes


@dataclass
class Built:
    data: bytes
    header_offset: int = 0
    fields: Dict[str, int] = field(default_factory=dict)  # named offsets
    chunk_offsets: List[int] = field(default_factory=list)
    digest: bytes = b""
    authors: List[Author] = field(default_factory=list)
    entries: int = 0
    proofs: int = 0


def plan(chains: Dict[bytes, List[spec.Entry]], recipient: Dict[bytes, Tuple[int, bytes]]) -> List[Author]:
    """bundle.md §2: how the creator picks each author's base."""
    authors = []
    for key in sorted(chains):
        entries = chains[key]
        head = entries[-1]
        base_seq, base_id = 0, bytes(32)
        if key in recipient and recipient[key][0] > 0:
            s, rid = recipient[key]
            if s >= head.seq:
                if s > head.seq or rid == head.entry_id:
                    base_seq, base_id = head.seq, head.entry_id
            elif entries[s - 1].entry_id == rid:
                base_seq, base_id = s, rid
        authors.append(Author(key, head.seq, head.entry_id, base_seq, base_id))
    return authors


def encode_header(partner: str, creator: bytes, authors: List[Author], entry_count: int, proof_count: int,
                  offsets: Dict[str, int], base: int) -> bytes:
    out = bytearray(string(partner) + creator + ROSTER_HASH + spec.encode_varint(len(authors)))
    for index, a in enumerate(authors):
        offsets[f"author{index}"] = base + len(out)
        out += a.key + spec.encode_varint(a.head_seq) + a.head_id + spec.encode_varint(a.base_seq)
        if a.base_seq > 0:
            out += a.base_id
    offsets["entryCount"] = base + len(out)
    out += spec.encode_varint(entry_count) + spec.encode_varint(proof_count)
    return bytes(out)


def compact_size(entry: spec.Entry, delta: Optional[int]) -> int:
    """sync.md §Size: one compact entry."""
    return (1 + (8 if delta is None else len(spec.encode_varint(delta))) + len(spec.encode_varint(entry.kind))
            + len(spec.encode_varint(len(entry.payload))) + len(entry.payload) + 64)


def run_header_size(index: int, first_seq: int) -> int:
    return len(spec.encode_varint(index)) + len(spec.encode_varint(first_seq)) + 1 + len(spec.encode_varint(4096))


def encode_runs(runs: List[Tuple[int, List[spec.Entry]]], explicit: Optional[bytes] = None,
                first_seq_shift: int = 0) -> bytes:
    """An ENTRIES body (sync.md §ENTRIES). `explicit`/`first_seq_shift` build refused variants."""
    out = bytearray(spec.encode_varint(len(runs)))
    for index, entries in runs:
        out += spec.encode_varint(index) + spec.encode_varint(entries[0].seq + first_seq_shift)
        if explicit is not None:
            out += bytes([1]) + explicit
        else:
            out += bytes([0])
        out += spec.encode_varint(len(entries))
        previous = None
        for entry in entries:
            out += bytes([entry.version])
            if previous is None:
                out += entry.timestamp.to_bytes(8, "big")
            else:
                out += spec.encode_varint(entry.timestamp - previous.timestamp)
            out += spec.encode_varint(entry.kind) + spec.encode_varint(len(entry.payload)) + entry.payload
            out += entry.signature
            previous = entry
    return bytes(out)


def chunk(kind: int, body: bytes) -> bytes:
    return u32(1 + len(body)) + bytes([kind]) + body


def pack(authors: List[Author], chains: Dict[bytes, List[spec.Entry]]) -> List[List[Tuple[int, List[spec.Entry]]]]:
    """bundle.md §3 'How a creator splits chunks'."""
    chunks: List[List[Tuple[int, List[spec.Entry]]]] = []
    runs: List[Tuple[int, List[spec.Entry]]] = []
    count = size = 0
    budget = MAX_CHUNK - 1 - 16
    for index, a in enumerate(authors):
        for entry in chains[a.key][a.base_seq:a.head_seq]:
            continues = bool(runs) and runs[-1][0] == index and runs[-1][1][-1].seq + 1 == entry.seq
            cost = compact_size(entry, entry.timestamp - runs[-1][1][-1].timestamp if continues else None)
            if not continues:
                cost += run_header_size(index, entry.seq)
            if count == MAX_ENTRIES_PER_CHUNK or size + cost > budget:
                chunks.append(runs)
                runs, count, size = [], 0, 0
                continues = False
                cost = compact_size(entry, None) + run_header_size(index, entry.seq)
            if continues:
                runs[-1][1].append(entry)
            else:
                runs.append((index, [entry]))
            count += 1
            size += cost
    if runs:
        chunks.append(runs)
    return chunks


def forks_body(proofs: List[Tuple[spec.Entry, spec.Entry]]) -> bytes:
    out = bytearray(spec.encode_varint(len(proofs)))
    for a, b in proofs:
        out += spec.encode_varint(len(a.encoded)) + a.encoded + spec.encode_varint(len(b.encoded)) + b.encoded
    return bytes(out)


def build(chains: Dict[bytes, List[spec.Entry]], recipient: Dict[bytes, Tuple[int, bytes]],
          proofs: List[Tuple[spec.Entry, spec.Entry]], partner: str = "NO", signer: bytes = SEED_CREATOR,
          chunk_bodies: Optional[List[Tuple[int, bytes]]] = None, end_counts: Optional[Tuple[int, int, int]] = None,
          header_override: Optional[bytes] = None) -> Built:
    authors = plan(chains, recipient)
    entry_count = sum(a.head_seq - a.base_seq for a in authors)
    built = Built(b"", authors=authors, entries=entry_count, proofs=len(proofs))
    creator = spec.raw_public_key(SEED_CREATOR)
    header = encode_header(partner, creator, authors, entry_count, len(proofs), built.fields, 16)
    if header_override is not None:
        header = header_override
    data = bytearray(MAGIC + u16(1) + u16(0) + u32(len(header)) + header)
    if chunk_bodies is None:
        chunk_bodies = [(TYPE_ENTRIES, encode_runs(runs)) for runs in pack(authors, chains)]
        ordered = sorted(proofs, key=lambda p: (p[0].author, p[0].seq, p[0].entry_id))
        for start in range(0, len(ordered), PROOFS_PER_CHUNK):
            chunk_bodies.append((TYPE_FORKS, forks_body(ordered[start:start + PROOFS_PER_CHUNK])))
    for kind, body in chunk_bodies:
        built.chunk_offsets.append(len(data))
        data += chunk(kind, body)
    counts = end_counts or (entry_count, len(proofs), len(chunk_bodies))
    count_bytes = b"".join(spec.encode_varint(c) for c in counts)
    built.fields["end"] = len(data)
    data += u32(1 + len(count_bytes) + 96) + bytes([TYPE_END])
    built.fields["endCounts"] = len(data)
    data += count_bytes
    built.fields["digest"] = len(data)
    digest = hashlib.sha256(bytes(data)).digest()
    built.digest = digest
    data += digest + spec.private_key(signer).sign(DOMAIN + digest)
    built.data = bytes(data)
    return built


def valid_vector(name: str, description: str, chains, recipient, proofs, built: Built) -> dict:
    return {
        "name": name,
        "description": description,
        "creator": {"partner": "NO", "seed": SEED_CREATOR.hex(), "key": spec.raw_public_key(SEED_CREATOR).hex()},
        "rosterHash": ROSTER_HASH.hex(),
        "recipient": [{"author": k.hex(), "seq": s, "id": i.hex()} for k, (s, i) in sorted(recipient.items())],
        "chains": [{"author": k.hex(), "entries": [e.encoded.hex() for e in chains[k]]} for k in sorted(chains)],
        "forkProofs": [[a.encoded.hex(), b.encoded.hex()] for a, b in proofs],
        "entryCount": built.entries,
        "forkProofCount": built.proofs,
        "chunkCount": len(built.chunk_offsets),
        "digest": built.digest.hex(),
        "bundle": built.data.hex(),
    }


def invalid_vector(name: str, description: str, data: bytes, code: str, offset: int) -> dict:
    return {"name": name, "description": description, "bundle": data.hex(), "code": code, "offset": offset}


def flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    out = bytearray(data)
    out[offset] ^= mask
    return bytes(out)


def replace(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new):]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "Protocol/vectors/bundle"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    key_a, key_b = spec.raw_public_key(SEED_A), spec.raw_public_key(SEED_B)
    a5 = chain(SEED_A, 5, BASE_MS, b"A")
    b3 = chain(SEED_B, 3, BASE_MS + 500, b"B")
    fork_b2 = alternative(SEED_B, b3, 2)
    proof = tuple(sorted((b3[1], fork_b2), key=lambda e: e.entry_id))
    vectors: List[dict] = []

    # valid-01: everything, nothing known of the recipient.
    chains1 = {key_a: a5[:3], key_b: b3[:2]}
    v1 = build(chains1, {}, [])
    vectors.append(valid_vector("valid-01-whole-chains", "two authors from seq 1; the recipient holds nothing",
                                chains1, {}, [], v1))
    # valid-02: incremental for A, nothing new of B, one fork proof.
    chains2 = {key_a: a5, key_b: b3}
    recipient2 = {key_a: (2, a5[1].entry_id), key_b: (3, b3[2].entry_id)}
    v2 = build(chains2, recipient2, [proof])
    vectors.append(valid_vector("valid-02-incremental-with-fork-proof",
                                "A from seq 3 (recipient at 2), B already held, one fork proof of B at seq 2",
                                chains2, recipient2, [proof], v2))
    # valid-03: the recipient's head of A is another branch: the whole chain of A travels.
    recipient3 = {key_a: (2, fork_b2.entry_id)}
    chains3 = {key_a: a5}
    v3 = build(chains3, recipient3, [])
    vectors.append(valid_vector("valid-03-recipient-on-another-branch",
                                "the recipient names another id at A's seq 2: base 0, the whole chain",
                                chains3, recipient3, [], v3))
    # valid-04: the recipient holds everything (and more of B): no chunks.
    recipient4 = {key_a: (5, a5[4].entry_id), key_b: (9, bytes([9]) * 32)}
    v4 = build(chains2, recipient4, [])
    vectors.append(valid_vector("valid-04-nothing-to-send", "the recipient holds as much or more: header and END only",
                                chains2, recipient4, [], v4))

    d1 = v1.data
    first = v1.chunk_offsets[0]
    body1 = first + 5
    invalid = [
        invalid_vector("invalid-01-bad-magic", "first byte changed", flip(d1, 0), "malformed", 0),
        invalid_vector("invalid-02-version-2", "version 2", replace(d1, 8, u16(2)), "malformed", 8),
        invalid_vector("invalid-03-flags", "a flag bit set", replace(d1, 10, u16(1)), "malformed", 10),
        invalid_vector("invalid-04-header-length-over-limit", "header length 2^20 + 1",
                       replace(d1, 12, u32((1 << 20) + 1)), "limitExceeded", 12),
        invalid_vector("invalid-05-truncated-in-chunk", "cut in the middle of the ENTRIES chunk",
                       d1[:first + 40], "truncated", first + 40),
        invalid_vector("invalid-06-truncated-before-end", "cut right before the END chunk",
                       d1[:v1.fields["end"]], "truncated", v1.fields["end"]),
        invalid_vector("invalid-07-payload-bit-flip", "one bit of an entry's payload flipped: the runs no longer "
                       "reach the head id the header names", flip(d1, body1 + 1 + 1 + 1 + 1 + 1 + 1 + 8 + 1 + 1),
                       "disagreeingClaim", v1.fields["endCounts"]),
        invalid_vector("invalid-08-digest-altered", "the digest changed", flip(d1, v1.fields["digest"]),
                       "digestMismatch", v1.fields["digest"]),
        invalid_vector("invalid-09-signature-altered", "the creator signature changed",
                       flip(d1, v1.fields["digest"] + 40), "badSignature", v1.fields["digest"] + 32),
        invalid_vector("invalid-10-trailing-byte", "one byte after END", d1 + b"\x00", "malformed", len(d1)),
        invalid_vector("invalid-11-signed-by-another-key", "END signed by seed 01, not the creator",
                       build(chains1, {}, [], signer=SEED_A).data, "badSignature", v1.fields["digest"] + 32),
        invalid_vector("invalid-12-chunk-length-over-limit", "a chunk length of 4 MiB + 1",
                       replace(d1, first, u32(MAX_CHUNK + 1)), "limitExceeded", first),
        invalid_vector("invalid-13-unknown-chunk-type", "chunk type 0x05", replace(d1, first + 4, b"\x05"),
                       "malformed", first + 4),
        invalid_vector("invalid-15-end-counts-disagree", "END counts one entry more than the file holds",
                       build(chains1, {}, [], end_counts=(v1.entries + 1, 0, 1)).data, "disagreeingClaim",
                       v1.fields["endCounts"]),
    ]
    # 14: the run count varint replaced by 2^32 (5 bytes), the chunk length following.
    runs_body = encode_runs(pack(v1.authors, chains1)[0])
    huge = spec.encode_varint(1 << 32) + runs_body[1:]
    invalid.append(invalid_vector("invalid-14-run-count-over-limit",
                                  "ENTRIES run count 2^32: refused before anything is allocated",
                                  build(chains1, {}, [], chunk_bodies=[(TYPE_ENTRIES, huge)]).data, "limitExceeded",
                                  body1))
    # 16: authors out of order in the header.
    fields: Dict[str, int] = {}
    swapped_authors = list(reversed(v1.authors))
    header = encode_header("NO", spec.raw_public_key(SEED_CREATOR), swapped_authors, v1.entries, 0, fields, 16)
    invalid.append(invalid_vector("invalid-16-authors-unordered", "header authors in descending order",
                                  build(chains1, {}, [], header_override=header).data, "malformed",
                                  fields["author1"]))
    # 17: header entry count not the sum of head − base.
    header = encode_header("NO", spec.raw_public_key(SEED_CREATOR), v1.authors, v1.entries + 1, 0, fields, 16)
    invalid.append(invalid_vector("invalid-17-header-entry-count", "header entryCount one above head − base",
                                  build(chains1, {}, [], header_override=header).data, "malformed",
                                  fields["entryCount"]))
    # 18: an explicit prev in a run (valid-02's A run starts at seq 3).
    runs2 = pack(v2.authors, chains2)[0]
    bodies = [(TYPE_ENTRIES, encode_runs(runs2, explicit=a5[1].entry_id)), (TYPE_FORKS, forks_body([proof]))]
    invalid.append(invalid_vector("invalid-18-explicit-prev", "a run with prev form 1",
                                  build(chains2, recipient2, [proof], chunk_bodies=bodies).data, "malformed",
                                  v2.chunk_offsets[0]))
    # 19: a run that skips a seq.
    bodies = [(TYPE_ENTRIES, encode_runs(runs2, first_seq_shift=1)), (TYPE_FORKS, forks_body([proof]))]
    invalid.append(invalid_vector("invalid-19-run-skips-a-seq", "A's run starts at seq 4; the bundle continues at 3",
                                  build(chains2, recipient2, [proof], chunk_bodies=bodies).data, "disagreeingClaim",
                                  v2.chunk_offsets[0]))
    # 20: FORKS before ENTRIES.
    bodies = [(TYPE_FORKS, forks_body([proof])), (TYPE_ENTRIES, encode_runs(runs2))]
    forks_first = build(chains2, recipient2, [proof], chunk_bodies=bodies)
    invalid.append(invalid_vector("invalid-20-entries-after-forks", "an ENTRIES chunk after a FORKS chunk",
                                  forks_first.data, "malformed", forks_first.chunk_offsets[1]))
    # 21: a fork proof whose second entry's signature is broken (the ids stay ordered).
    a, b = proof
    bad_b = spec.decode_entry(b.encoded[:-1] + bytes([b.encoded[-1] ^ 0x01]))
    pair = (a, bad_b) if a.entry_id < bad_b.entry_id else (bad_b, a)
    bodies = [(TYPE_ENTRIES, encode_runs(runs2)), (TYPE_FORKS, forks_body([pair]))]
    broken = build(chains2, recipient2, [proof], chunk_bodies=bodies)
    invalid.append(invalid_vector("invalid-21-fork-proof-bad-signature", "a proof entry's signature broken",
                                  broken.data, "invalidForkProof", broken.chunk_offsets[1] + 5))

    for vector in vectors + invalid:
        path = out / f"{vector['name']}.json"
        path.write_text(json.dumps(vector, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(vectors)} valid and {len(invalid)} invalid bundle vectors to {out}")


if __name__ == "__main__":
    main()
