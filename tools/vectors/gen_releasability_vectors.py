#!/usr/bin/env python3
"""Writes Protocol/vectors/releasability/ from Protocol/releasability.md (capsync_sealed.py), not from Swift.

Deterministic: every key, content key, nonce and ephemeral key comes from SHA-256 of a fixed text, and Ed25519
signing is deterministic, so running it again leaves the files unchanged.

Usage: python3 tools/vectors/gen_releasability_vectors.py [--out Protocol/vectors]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
import capsync_sealed as sealed_spec  # noqa: E402
import capsync_spec as spec  # noqa: E402
from capsync_spec import SpecError, encode_varint  # noqa: E402

PARTNERS = ["DE", "FR", "NL", "US"]
# 2027-03-01T00:00:00Z in milliseconds.
BASE_MS = 1_803_859_200_000


def fixed(text: str) -> bytes:
    return hashlib.sha256(f"capsync releasability vectors {text}".encode()).digest()


def encryption_private(partner: str) -> bytes:
    return fixed(f"x25519 {partner}")


def report_payload(partner: str, site: str, capacity: int) -> bytes:
    """A capacity report (Protocol/payloads.md, kind 1) for 2027-03."""
    def text(value: str) -> bytes:
        raw = value.encode()
        return encode_varint(len(raw)) + raw
    return (text(partner) + text("SHELL-155-HE") + text(site) + (2027).to_bytes(2, "big") + bytes([3])
            + encode_varint(capacity) + encode_varint(capacity - 100) + encode_varint(5000) + encode_varint(2000)
            + encode_varint(30) + text(""))


def signed_entry(author_partner: str, seq: int, kind: int, payload: bytes) -> bytes:
    seed = fixed(f"ed25519 {author_partner}")
    unsigned = spec.encode_unsigned(1, spec.raw_public_key(seed), seq, bytes(32), (BASE_MS + seq) << 16, kind,
                                    payload)
    return spec.sign_unsigned(seed, unsigned)


def author_key(partner: str) -> bytes:
    return spec.raw_public_key(fixed(f"ed25519 {partner}"))


def results(payload: bytes, author: bytes, readers: list) -> dict:
    out = {}
    for partner in readers:
        try:
            kind, inner = sealed_spec.open_sealed(sealed_spec.decode(payload), partner,
                                                  encryption_private(partner), author)
            out[partner] = {"kind": kind, "payload": inner.hex()}
        except SpecError as error:
            out[partner] = {"error": error.code}
    return out


def valid_vector(name: str, description: str, author_partner: str, label: list, serial: int, kind: int,
                 inner: bytes) -> dict:
    author = author_key(author_partner)
    recipients = {p: sealed_spec.x25519_public(encryption_private(p)) for p in label}
    content_key = fixed(f"content key {name}")
    nonce = fixed(f"nonce {name}")[:12]
    ordered = sorted(label, key=lambda p: p.encode())
    ephemerals = [fixed(f"ephemeral {name} {p}") for p in ordered]
    sealed = sealed_spec.seal(kind, inner, recipients, serial, author, content_key, nonce, ephemerals)
    payload = sealed.encoded
    return {
        "name": name, "description": description,
        "author": author.hex(), "authorPartner": author_partner,
        "encryptionKeys": {p: {"private": encryption_private(p).hex(),
                               "public": sealed_spec.x25519_public(encryption_private(p)).hex()} for p in PARTNERS},
        "inputs": {"label": ordered, "rosterSerial": serial, "innerKind": kind, "innerPayload": inner.hex(),
                   "contentKey": content_key.hex(), "nonce": nonce.hex(),
                   "ephemerals": [e.hex() for e in ephemerals]},
        "payload": payload.hex(),
        "entry": signed_entry(author_partner, 1, sealed_spec.SEALED_KIND, payload).hex(),
        "expected": results(payload, author, PARTNERS),
    }


def open_vector(name: str, description: str, base: dict, payload: bytes, author: bytes) -> dict:
    return {"name": name, "description": description, "author": author.hex(),
            "encryptionKeys": base["encryptionKeys"], "payload": payload.hex(),
            "expected": results(payload, author, PARTNERS)}


def decode_vector(name: str, description: str, payload: bytes) -> dict:
    try:
        sealed_spec.decode(payload)
        raise SystemExit(f"{name}: the payload decodes")
    except SpecError as error:
        return {"name": name, "description": description, "payload": payload.hex(), "reason": error.code}


def flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1:]


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli, reflected 0x82F63B78), bit by bit as Protocol/store.md defines it."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def cache_record(entry_id: bytes, content_key: bytes) -> bytes:
    """One record of a node's file of opened content keys (releasability.md §9)."""
    body = entry_id + content_key
    return body + crc32c(body).to_bytes(4, "big")


def cache_vector(name: str, description: str, data: bytes, keys: list) -> dict:
    """`keys` is what a reader takes from `data`: (entry id, content key) in file order, the last of an id winning."""
    taken = {}
    for entry_id, key in keys:
        taken[entry_id] = key
    return {"name": name, "description": description, "file": data.hex(),
            "records": [{"entry": i.hex(), "contentKey": k.hex()} for i, k in taken.items()]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "Protocol" / "vectors"))
    out = Path(parser.parse_args().out) / "releasability"
    out.mkdir(parents=True, exist_ok=True)
    vectors = []

    three = valid_vector("valid-01-three-partners", "DE releases a report to NL and US (label DE, NL, US); FR "
                         "cannot read it", "DE", ["US", "DE", "NL"], 3, 1, report_payload("DE", "Unterluess", 900))
    vectors.append(three)
    vectors.append(valid_vector("valid-02-author-only", "NL seals a report for itself alone", "NL", ["NL"], 1, 1,
                                report_payload("NL", "Hengelo", 400)))
    vectors.append(valid_vector("valid-03-need", "US seals a need (kind 3) for US and FR", "US", ["US", "FR"], 7,
                                3, encode_varint(2) + b"US" + encode_varint(5) + b"N-001" + encode_varint(12)
                                + b"SHELL-155-HE" + encode_varint(500) + (2027).to_bytes(2, "big") + bytes([6, 30])
                                + bytes([1, 0])))

    payload = bytes.fromhex(three["payload"])
    author = bytes.fromhex(three["author"])
    decoded = sealed_spec.decode(payload)
    header_length = len(decoded.header)
    nl_wrap = header_length + 112 * decoded.label.index("NL") + 64
    commitment_at = header_length + 112 * len(decoded.label)
    vectors += [
        open_vector("open-01-ciphertext-altered", "one ciphertext byte flipped: nobody opens it", three,
                    flip(payload, len(payload) - 20), author),
        open_vector("open-02-wrapped-key-altered", "NL's wrapped key altered: the wraps are in the content's associated data, so nobody opens it",
                    three, flip(payload, nl_wrap + 5), author),
        open_vector("open-03-commitment-altered", "the commitment altered: the key does not match it", three,
                    flip(payload, commitment_at), author),
        open_vector("open-04-other-author", "the payload copied under another author: contexts differ", three,
                    payload, author_key("FR")),
        open_vector("open-05-nonce-altered", "the nonce altered", three, flip(payload, commitment_at + 32), author),
    ]

    vectors += [
        decode_vector("decode-01-version", "format version 2", bytes([2]) + payload[1:]),
        decode_vector("decode-02-empty-label", "a label of no partner", bytes([1, 0]) + payload[2:]),
        decode_vector("decode-03-label-order", "label NL before DE",
                      bytes([1, 2]) + b"\x02NL\x02DE" + payload[header_length:]),
        decode_vector("decode-04-label-duplicate", "label DE twice",
                      bytes([1, 2]) + b"\x02DE\x02DE" + payload[header_length:]),
        decode_vector("decode-05-partner-code", "a lowercase partner code", bytes([1, 1]) + b"\x02de" + b"\x03"),
        decode_vector("decode-06-label-over-limit", "65 partners", bytes([1, 65])),
        decode_vector("decode-07-truncated-wrap", "the input ends inside a wrap", payload[:header_length + 100]),
        decode_vector("decode-08-short-ciphertext", "a ciphertext shorter than its tag",
                      decoded.clear_part + bytes([15]) + bytes(15)),
        decode_vector("decode-09-trailing", "a byte after the ciphertext", payload + b"\x00"),
        decode_vector("decode-10-ciphertext-over-limit", "a ciphertext length above 65,536",
                      decoded.clear_part + encode_varint(65537)),
    ]
    assert crc32c(b"123456789") == 0xE3069283
    kept = [(hashlib.sha256(bytes.fromhex(v["entry"])).digest(), bytes.fromhex(v["inputs"]["contentKey"]))
            for v in vectors if v["name"].startswith("valid-")]
    records = [cache_record(i, k) for i, k in kept]
    wrong = (kept[0][0], kept[1][1])
    vectors += [
        cache_vector("cache-01-records", "the content keys of the valid vectors' entries", b"".join(records), kept),
        cache_vector("cache-02-torn-tail", "the last record cut after 50 bytes: ignored",
                     b"".join(records[:2]) + records[2][:50], kept[:2]),
        cache_vector("cache-03-damaged-record", "the second record's crc does not match: it and the rest ignored",
                     records[0] + flip(records[1], 66) + records[2], kept[:1]),
        cache_vector("cache-04-later-record-wins", "a wrong key for the first entry, then the right one",
                     cache_record(*wrong) + b"".join(records), [wrong] + kept),
    ]
    for vector in vectors:
        (out / f"{vector['name']}.json").write_text(json.dumps(vector, indent=2) + "\n")
    print(f"wrote {len(vectors)} vectors to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
