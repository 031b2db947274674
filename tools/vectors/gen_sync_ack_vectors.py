#!/usr/bin/env python3
"""Writes the ACK frame vectors of the sync protocol (Protocol/sync.md §ACK) from the spec, not from Swift:
Protocol/vectors/sync/ack.json (frames beside their fields), and the ACK cases and the unknown-type case of
Protocol/vectors/sync/invalid.json (the other cases of that file are left as they are).

Deterministic: running this again leaves both files unchanged. Every frame is decoded again here with the
varint rules of Protocol/README.md (capsync_spec.read_varint) before it is written: a valid frame must decode to
its fields and consume its body exactly; an invalid one must fail the way its code says.

Usage: python3 tools/vectors/gen_sync_ack_vectors.py [--out Protocol/vectors/sync]
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
import capsync_spec as spec  # noqa: E402

ACK_TYPE = 0x07
# The fields of an ACK body, in wire order, each a varint (sync.md §ACK).
FIELDS = ["entriesStored", "entriesAlreadyHeld", "entriesRefused", "forkProofsKept", "authorsHeld", "entriesHeld"]
# sync.md §Error codes
MALFORMED_FRAME = 1
UNKNOWN_MESSAGE_TYPE = 3


def frame(type_byte: int, body: bytes) -> bytes:
    """sync.md §Frames: u32 big-endian length of type byte + body, the type byte, the body."""
    return struct.pack(">I", 1 + len(body)) + bytes([type_byte]) + body


def ack_body(values: Dict[str, int]) -> bytes:
    return b"".join(spec.encode_varint(values[name]) for name in FIELDS)


def decode_ack(data: bytes) -> Dict[str, int]:
    """Decodes a whole ACK frame; raises spec.SpecError for a body that breaks sync.md §ACK."""
    (length,) = struct.unpack(">I", data[:4])
    if length != len(data) - 4 or length < 1:
        raise spec.SpecError("truncated", "frame length does not match", "length", 0)
    if data[4] != ACK_TYPE:
        raise spec.SpecError("invalidValue", "not an ACK frame", "type", 4)
    body = data[5:]
    offset = 0
    values: Dict[str, int] = {}
    for name in FIELDS:
        values[name], offset = spec.read_varint(body, offset, name)
    if offset != len(body):
        raise spec.SpecError("trailingBytes", "bytes after the last field", "body", offset)
    return values


VALID = [
    ("nothing received, nothing held",
     dict(entriesStored=0, entriesAlreadyHeld=0, entriesRefused=0, forkProofsKept=0, authorsHeld=0, entriesHeld=0)),
    ("6247 entries stored new by a node holding 40 authors",
     dict(entriesStored=6247, entriesAlreadyHeld=0, entriesRefused=0, forkProofsKept=0, authorsHeld=40,
          entriesHeld=250000)),
    ("some held already, some refused, a proof kept, the largest entriesHeld",
     dict(entriesStored=1, entriesAlreadyHeld=300, entriesRefused=2, forkProofsKept=1, authorsHeld=4096,
          entriesHeld=(1 << 64) - 1)),
]


def valid_cases() -> List[dict]:
    cases = []
    for name, values in VALID:
        data = frame(ACK_TYPE, ack_body(values))
        assert decode_ack(data) == values, name
        cases.append({"fields": {k: str(v) for k, v in values.items()}, "hex": data.hex(), "name": name,
                      "type": "ACK"})
    return cases


def invalid_cases() -> List[dict]:
    base = ack_body(dict(VALID[1][1]))
    nine_byte = bytes([0xFF] * 9)
    bad = [
        ("ACK with a trailing byte", frame(ACK_TYPE, base + b"\x00"), "trailingBytes"),
        ("ACK cut after five fields", frame(ACK_TYPE, base[: len(base) - 3]), "truncated"),
        ("ACK with a non-minimal varint (entriesStored 0 as 80 00)",
         frame(ACK_TYPE, b"\x80\x00" + base[2:]), "nonMinimalVarint"),
        ("ACK entriesHeld over 64 bits", frame(ACK_TYPE, base[:-3] + nine_byte + b"\x02"), "varintOverflow"),
    ]
    cases = []
    for name, data, reason in bad:
        try:
            decode_ack(data)
        except spec.SpecError as error:
            assert error.code == reason, (name, error.code)
        else:
            raise AssertionError(f"{name}: decoded")
        cases.append({"code": MALFORMED_FRAME, "codeName": "malformed frame", "hex": data.hex(), "name": name})
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "Protocol" / "vectors" / "sync"))
    out = Path(parser.parse_args().out)

    ack = {"cases": valid_cases(), "description": "ACK frames (type 0x07)"}
    (out / "ack.json").write_text(json.dumps(ack, indent=2, sort_keys=True, separators=(",", " : ")))

    path = out / "invalid.json"
    invalid = json.loads(path.read_text())
    unknown = {"code": UNKNOWN_MESSAGE_TYPE, "codeName": "unknown message type", "hex": frame(0x08, b"").hex(),
               "name": "unknown type 0x08"}
    cases = []
    for case in invalid["cases"]:
        if case["name"].startswith("ACK "):
            continue
        cases.append(unknown if case["name"].startswith("unknown type") else case)
    invalid["cases"] = cases + invalid_cases()
    path.write_text(json.dumps(invalid, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
