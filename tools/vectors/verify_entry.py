#!/usr/bin/env python3
"""Verifies CapSync entries using only Protocol/entry.md (through capsync_spec.py) and an Ed25519 library.

Two uses:

  Check test vectors (exit 1 if any vector's outcome differs from what it states):
      verify_entry.py Protocol/vectors/entry/*.json Protocol/vectors/entry-decode/*.json

  Audit an exported entry (raw canonical bytes in a file, '-' for stdin, or hex), optionally with the author's
  previous entry and the coalition roster; prints every field, the id and the verdict (exit 0 valid, 1 refused):
      verify_entry.py --entry entry.bin [--previous prev.bin] [--roster roster.txt]
      verify_entry.py --entry-hex 01a5... [--previous-hex ...]

  Check a fork proof (entry.md §6):
      verify_entry.py --fork-proof proof.bin
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

sys.dont_write_bytecode = True
import capsync_spec as spec  # noqa: E402


def check_vector(path: Path) -> List[str]:
    """Returns the list of mismatches between what the vector states and what the spec decides."""
    vector = json.loads(path.read_text(encoding="utf-8"))
    if "cases" in vector:
        return [f"case {index}: {problem}" for index, case in enumerate(vector["cases"])
                for problem in check_decode_outcome(bytes.fromhex(case["encoded"]), case["outcome"])]
    encoded = bytes.fromhex(vector["encoded"])
    previous = bytes.fromhex(vector["previous_encoded"]) if "previous_encoded" in vector else None
    public_key = bytes.fromhex(vector["public_key"]) if "public_key" in vector else None
    problems: List[str] = []
    if vector["valid"]:
        try:
            entry = spec.decode_entry(encoded)
        except spec.SpecError as error:
            return [f"a valid vector is refused: {error}"]
        expected = {
            "version": entry.version, "author": entry.author.hex(), "seq": entry.seq, "prev": entry.prev.hex(),
            "timestamp": entry.timestamp, "kind": entry.kind, "payload": entry.payload.hex(),
            "signature": entry.signature.hex(), "signing_message": entry.signing_message.hex(),
            "entry_id": entry.entry_id.hex(),
        }
        problems += [f"{field} differs" for field, value in expected.items() if vector[field] != value]
        if "seed" in vector and spec.raw_public_key(bytes.fromhex(vector["seed"])) != entry.author:
            problems.append("the seed's public key is not the author")
        rebuilt = spec.encode_unsigned(entry.version, entry.author, entry.seq, entry.prev, entry.timestamp,
                                       entry.kind, entry.payload) + entry.signature
        if rebuilt != encoded:
            problems.append("re-encoding the fields gives other bytes")
        if not spec.verify_signature(entry, public_key):
            problems.append("the signature does not verify")
        if previous is not None:
            try:
                spec.check_follows(entry, spec.decode_entry(previous))
            except spec.SpecError as error:
                problems.append(f"does not follow previous_encoded: {error}")
        return problems
    reason, stage = vector["reason"], vector["stage"]
    try:
        entry = spec.decode_entry(encoded)
    except spec.SpecError as error:
        if (stage, reason) != ("decode", error.code):
            problems.append(f"refused while decoding with {error.code}, expected {stage} {reason}")
        return problems
    if stage == "decode":
        return [f"decodes, expected {reason}"]
    signature_ok = spec.verify_signature(entry, public_key)
    if stage == "signature":
        return [] if not signature_ok and reason == "badSignature" else ["the signature verifies"]
    if not signature_ok:
        return ["the signature does not verify, but the vector is about the chain"]
    try:
        spec.check_follows(entry, spec.decode_entry(previous or b""))
    except spec.SpecError as error:
        return [] if error.code == reason else [f"chain refused with {error.code}, expected {reason}"]
    return [f"chains, expected {reason}"]


def check_decode_outcome(encoded: bytes, outcome: str) -> List[str]:
    try:
        spec.decode_entry(encoded)
        decided = "decodes"
    except spec.SpecError as error:
        decided = error.code
    return [] if decided == outcome else [f"{decided}, expected {outcome}"]


def describe(entry: spec.Entry) -> str:
    return "\n".join([
        f"version    {entry.version}"
        + ("" if entry.version == 1 else "  (not 1: valid envelope, unknown to the fold)"),
        f"author     {entry.author.hex()}",
        f"seq        {entry.seq}",
        f"prev       {entry.prev.hex()}",
        f"timestamp  {entry.timestamp}  (ms {entry.timestamp >> 16}, logical {entry.timestamp & 0xFFFF})",
        f"kind       {entry.kind}",
        f"payload    {len(entry.payload)} bytes",
        f"signature  {entry.signature.hex()}",
        f"entry id   {entry.entry_id.hex()}",
    ])


def audit_entry(data: bytes, previous: Optional[bytes], roster_text: Optional[str]) -> int:
    try:
        entry = spec.decode_entry(data)
        print(describe(entry))
        if not spec.verify_signature(entry):
            raise spec.SpecError("badSignature", "the signature does not verify under the author key", "entry")
        if previous is not None:
            before = spec.decode_entry(previous)
            if not spec.verify_signature(before):
                raise spec.SpecError("badSignature", "the previous entry's signature does not verify", "previous")
            spec.check_follows(entry, before)
        chain_checked = previous is not None or entry.seq == 1
        if not chain_checked:
            print("chain      not checked (give --previous with the author's entry at seq - 1)")
        if roster_text is not None:
            _, members = spec.parse_roster(roster_text)
            member = next((m for m in members if m.key == entry.author), None)
            if member is None:
                raise spec.SpecError("invalidValue", "the author is not in the roster", "roster")
            if member.last_valid_seq is not None and entry.seq > member.last_valid_seq:
                raise spec.SpecError("invalidValue", f"{member.partner}'s key is valid up to seq "
                                     f"{member.last_valid_seq} only", "roster")
            print(f"partner    {member.partner}")
        else:
            print("roster     not checked (give --roster)")
    except spec.SpecError as error:
        print(f"REFUSED    {error}")
        return 1
    print("VALID" if chain_checked and roster_text is not None else "VALID as far as checked")
    return 0


def audit_fork_proof(data: bytes) -> int:
    try:
        first, second = spec.decode_fork_proof(data)
    except spec.SpecError as error:
        print(f"REFUSED    {error}")
        return 1
    print(f"author {first.author.hex()} equivocated at seq {first.seq}:")
    print(f"  {first.entry_id.hex()}\n  {second.entry_id.hex()}")
    print("VALID fork proof")
    return 0


def read_input(path: Optional[str], text: Optional[str]) -> Optional[bytes]:
    if text is not None:
        return bytes.fromhex(text.strip())
    if path is None:
        return None
    return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("vectors", nargs="*", type=Path, help="vector JSON files to check")
    parser.add_argument("--entry", help="file holding one canonical entry ('-' for stdin)")
    parser.add_argument("--entry-hex", help="one canonical entry as hex")
    parser.add_argument("--previous", help="file holding the author's entry at seq - 1")
    parser.add_argument("--previous-hex", help="the author's entry at seq - 1 as hex")
    parser.add_argument("--roster", type=Path, help="roster file (Protocol/roster.md) to check the author against")
    parser.add_argument("--fork-proof", help="file holding one canonical fork proof")
    args = parser.parse_args()

    if args.fork_proof:
        return audit_fork_proof(Path(args.fork_proof).read_bytes())
    entry = read_input(args.entry, args.entry_hex)
    if entry is not None:
        roster = args.roster.read_text(encoding="utf-8") if args.roster else None
        return audit_entry(entry, read_input(args.previous, args.previous_hex), roster)
    if not args.vectors:
        parser.error("give vector files, --entry, --entry-hex or --fork-proof")
    failures = 0
    for path in args.vectors:
        problems = check_vector(path)
        failures += bool(problems)
        print(("FAIL " if problems else "ok   ") + path.name + "".join(f"\n     {p}" for p in problems))
    print(f"{len(args.vectors) - failures} of {len(args.vectors)} vectors as stated")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
