"""CapSync byte formats, written from Protocol/entry.md and Protocol/roster.md alone.

This is an independent second implementation of the formats (it shares no code with the Swift sources) used to
generate the test vectors in Protocol/vectors/ and to verify entries for audits. Every refusal raises SpecError
with the same code as the Swift WireError.Code the spec names, so the two implementations can be compared
decision for decision.

Needs Python 3.9+ and the `cryptography` package (Ed25519 from the system OpenSSL).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import List, Optional, Tuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# entry.md §1.1 and §2
ENTRY_DOMAIN = b"CAPSYNC-ENTRY-SIG-V1" + b"\x00"
MAX_SEQ = 1 << 62
MAX_KIND = (1 << 32) - 1
MAX_PAYLOAD = 65536
SIGNATURE_SIZE = 64
MAX_ENTRY_SIZE = 1 + 32 + 9 + 32 + 8 + 5 + 3 + MAX_PAYLOAD + SIGNATURE_SIZE  # 65690

# roster.md
ROSTER_DOMAIN = b"CAPSYNC-ROSTER-V1" + b"\x00"
ROSTER_HEADER = "capsync-roster v1"
ROSTER_MAX_MEMBERS = 4096


class SpecError(Exception):
    """A refusal, with the spec's error code (a WireError.Code raw value), what was read, and where."""

    def __init__(self, code: str, detail: str, field: str = "", offset: Optional[int] = None,
                 line: Optional[int] = None):
        super().__init__(f"{code}: {field + ': ' if field else ''}{detail}"
                         + (f" (at byte {offset})" if offset is not None else "")
                         + (f" (line {line})" if line is not None else ""))
        self.code = code
        self.detail = detail
        self.field = field
        self.offset = offset
        self.line = line


# ---------------------------------------------------------------------------------------------------------------
# Varints (README "Varints")

def encode_varint(value: int) -> bytes:
    """Unsigned LEB128, shortest form."""
    if value < 0 or value >= 1 << 64:
        raise ValueError(f"varint out of range: {value}")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def read_varint(data: bytes, offset: int, field: str, maximum: int = (1 << 64) - 1) -> Tuple[int, int]:
    """Reads a minimal varint of at most 10 bytes at `offset`; returns (value, offset after it)."""
    start = offset
    value = 0
    for index in range(10):
        if offset >= len(data):
            raise SpecError("truncated", "input ends inside a varint", field, start)
        byte = data[offset]
        offset += 1
        if index == 9 and byte > 1:
            raise SpecError("varintOverflow", "varint does not fit in 64 bits", field, start)
        value |= (byte & 0x7F) << (7 * index)
        if byte & 0x80 == 0:
            if byte == 0 and index > 0:
                raise SpecError("nonMinimalVarint", "varint is not in its shortest form", field, start)
            break
    if value > maximum:
        raise SpecError("overLimit", f"value {value} is over the limit {maximum}", field, start)
    return value, offset


# ---------------------------------------------------------------------------------------------------------------
# Entries (entry.md)

@dataclass
class Entry:
    version: int
    author: bytes
    seq: int
    prev: bytes
    timestamp: int
    kind: int
    payload: bytes
    signature: bytes
    encoded: bytes

    @property
    def unsigned(self) -> bytes:
        return self.encoded[:-SIGNATURE_SIZE]

    @property
    def signing_message(self) -> bytes:
        return ENTRY_DOMAIN + self.unsigned

    @property
    def entry_id(self) -> bytes:
        return hashlib.sha256(self.encoded).digest()


def encode_unsigned(version: int, author: bytes, seq: int, prev: bytes, timestamp: int, kind: int,
                    payload: bytes) -> bytes:
    """Fields 1–7 of entry.md §1, in order. No range checks: the generator also builds refused entries."""
    assert len(author) == 32 and len(prev) == 32
    return (bytes([version]) + author + encode_varint(seq) + prev + timestamp.to_bytes(8, "big")
            + encode_varint(kind) + encode_varint(len(payload)) + payload)


def private_key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def raw_public_key(seed: bytes) -> bytes:
    return private_key(seed).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sign_unsigned(seed: bytes, unsigned: bytes, domain: bytes = ENTRY_DOMAIN) -> bytes:
    """The whole entry: `unsigned` followed by the Ed25519 signature over domain ‖ unsigned (entry.md §2)."""
    return unsigned + private_key(seed).sign(domain + unsigned)


def decode_entry(data: bytes, whole: bool = True) -> Entry:
    """Decodes one entry in the order of entry.md §1.2, refusing with the first error met."""
    offset = 0
    if offset >= len(data):
        raise SpecError("truncated", "input ends before this 1-byte field", "version", offset)
    version = data[offset]
    if version == 0:
        raise SpecError("invalidValue", "version 0 is not allowed", "version", offset)
    offset += 1
    author, offset = _take(data, offset, 32, "author")
    seq_offset = offset
    seq, offset = read_varint(data, offset, "seq", MAX_SEQ)
    if seq == 0:
        raise SpecError("invalidValue", "seq starts at 1", "seq", seq_offset)
    prev_offset = offset
    prev, offset = _take(data, offset, 32, "prev")
    timestamp_offset = offset
    raw_timestamp, offset = _take(data, offset, 8, "timestamp")
    timestamp = int.from_bytes(raw_timestamp, "big")
    if timestamp == 0:
        raise SpecError("invalidValue", "timestamp 0 is not allowed", "timestamp", timestamp_offset)
    kind, offset = read_varint(data, offset, "kind", MAX_KIND)
    length, offset = read_varint(data, offset, "payload.length", MAX_PAYLOAD)
    payload, offset = _take(data, offset, length, "payload")
    signature, offset = _take(data, offset, SIGNATURE_SIZE, "signature")
    if whole and offset != len(data):
        raise SpecError("trailingBytes", f"{len(data) - offset} unexpected trailing byte(s)", "entry", offset)
    if (seq == 1) != (prev == bytes(32)):
        raise SpecError("invalidValue", "seq 1 must have an all-zero prev" if seq == 1
                        else "only seq 1 may have an all-zero prev", "prev", prev_offset)
    return Entry(version, author, seq, prev, timestamp, kind, payload, signature, data[:offset])


def _take(data: bytes, offset: int, count: int, field: str) -> Tuple[bytes, int]:
    if len(data) - offset < count:
        raise SpecError("truncated", f"input ends before these {count} bytes", field, offset)
    return data[offset:offset + count], offset + count


def verify_signature(entry: Entry, public_key: Optional[bytes] = None) -> bool:
    """entry.md §2: the signature must verify under the author key (and `public_key`, when given, is that key)."""
    if public_key is not None and public_key != entry.author:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(entry.author).verify(entry.signature, entry.signing_message)
        return True
    except (InvalidSignature, ValueError):
        return False


def check_follows(entry: Entry, previous: Entry) -> None:
    """entry.md §4, in order."""
    if entry.author != previous.author:
        raise SpecError("wrongAuthor", "entry follows an entry of another author", "chain")
    if entry.seq != previous.seq + 1:
        raise SpecError("brokenChain", f"seq {entry.seq} does not follow seq {previous.seq}", "chain")
    if entry.prev != previous.entry_id:
        raise SpecError("brokenChain", "prev is not the id of the previous entry", "chain")
    if entry.timestamp <= previous.timestamp:
        raise SpecError("timestampNotIncreasing",
                        f"timestamp {entry.timestamp} is not above {previous.timestamp}", "chain")


def encode_fork_proof(a: Entry, b: Entry) -> bytes:
    """entry.md §6: the entry with the smaller id first, each with a varint length."""
    first, second = (a, b) if a.entry_id < b.entry_id else (b, a)
    return (encode_varint(len(first.encoded)) + first.encoded
            + encode_varint(len(second.encoded)) + second.encoded)


def decode_fork_proof(data: bytes) -> Tuple[Entry, Entry]:
    offset = 0
    entries = []
    for field in ("first", "second"):
        length, offset = read_varint(data, offset, field + ".length", MAX_ENTRY_SIZE)
        raw, offset = _take(data, offset, length, field)
        entries.append(decode_entry(raw))
    if offset != len(data):
        raise SpecError("trailingBytes", "bytes after the second entry", "fork proof", offset)
    a, b = entries
    if a.author != b.author or a.seq != b.seq or a.entry_id == b.entry_id:
        raise SpecError("invalidValue", "a fork proof needs two different entries of one author at one seq",
                        "fork proof")
    if not (verify_signature(a) and verify_signature(b)):
        raise SpecError("badSignature", "a fork proof needs two validly signed entries", "fork proof")
    return (a, b) if a.entry_id < b.entry_id else (b, a)


# ---------------------------------------------------------------------------------------------------------------
# Base64 (roster.md §2: RFC 4648 §4 with padding, strict)

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def base64_encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data), 3):
        chunk = data[i:i + 3]
        n = int.from_bytes(chunk + bytes(3 - len(chunk)), "big")
        chars = [_B64[(n >> shift) & 63] for shift in (18, 12, 6, 0)]
        if len(chunk) < 3:
            chars[len(chunk) + 1:] = ["="] * (3 - len(chunk))
        out.extend(chars)
    return "".join(out)


def base64_decode(text: str) -> Optional[bytes]:
    """Length a multiple of 4, only the alphabet, '=' only as the last one or two characters."""
    if len(text) % 4 != 0:
        return None
    out = bytearray()
    for i in range(0, len(text), 4):
        quad = text[i:i + 4]
        last = i + 4 == len(text)
        padding = 0
        n = 0
        for j, c in enumerate(quad):
            if c == "=" and last and j >= 2:
                padding += 1
                n <<= 6
                continue
            if padding or c not in _B64:
                return None
            n = n << 6 | _B64.index(c)
        out += n.to_bytes(3, "big")[:3 - padding]
    return bytes(out)


# ---------------------------------------------------------------------------------------------------------------
# Roster (roster.md)

@dataclass(frozen=True)
class Member:
    partner: str
    key: bytes
    last_valid_seq: Optional[int]

    def sort_key(self) -> Tuple[bytes, bytes]:
        return self.partner.encode(), self.key


def valid_partner_code(code: str) -> bool:
    if not 2 <= len(code.encode()) <= 16 or not ("A" <= code[0] <= "Z"):
        return False
    return all("A" <= c <= "Z" or "0" <= c <= "9" or c == "-" for c in code)


def _decimal(word: str) -> Optional[int]:
    if not word or not all("0" <= c <= "9" for c in word):
        return None
    value = int(word)
    return value if value < 1 << 64 else None


def parse_roster(text: str) -> Tuple[int, List[Member]]:
    """roster.md §2. Returns (serial, members sorted as in §3)."""
    serial: Optional[int] = None
    members: List[Member] = []
    saw_header = False
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.split("#", 1)[0]
        words = [w for w in line.replace("\t", " ").replace("\r", " ").split(" ") if w]
        if not words:
            continue

        def fail(detail: str) -> SpecError:
            return SpecError("parse", detail, f"roster line {number}", line=number)

        if not saw_header:
            if " ".join(words) != ROSTER_HEADER:
                raise fail(f"expected the header '{ROSTER_HEADER}'")
            saw_header = True
            continue
        if words[0] == "serial":
            value = _decimal(words[1]) if len(words) == 2 else None
            if value is None:
                raise fail("expected 'serial N'")
            if serial is not None:
                raise fail("a second 'serial' line")
            serial = value
        elif words[0] == "key":
            if not (len(words) == 3 or (len(words) == 5 and words[3] == "last-seq")):
                raise fail("expected 'key PARTNER BASE64-KEY [last-seq N]'")
            if not valid_partner_code(words[1]):
                raise fail(f"bad partner code {words[1]!r}")
            key = base64_decode(words[2])
            if key is None or len(key) != 32:
                raise fail("not a base64 Ed25519 public key (32 bytes)")
            last = None
            if len(words) == 5:
                last = _decimal(words[4])
                if last is None:
                    raise fail("last-seq must be a whole number")
            members.append(Member(words[1], key, last))
        else:
            raise fail(f"unknown line {words[0]!r}")
    if not saw_header:
        raise SpecError("parse", f"empty file: expected the header '{ROSTER_HEADER}'", "roster")
    if serial is None:
        raise SpecError("parse", "missing the 'serial N' line", "roster")
    seen = set()
    for member in members:
        if member.key in seen:
            raise SpecError("invalidValue", "a key appears twice", "roster")
        seen.add(member.key)
        if len(seen) > ROSTER_MAX_MEMBERS:
            raise SpecError("overLimit", f"a roster holds at most {ROSTER_MAX_MEMBERS} keys", "roster")
    return serial, sorted(members, key=Member.sort_key)


def roster_canonical_bytes(serial: int, members: List[Member]) -> bytes:
    """roster.md §3."""
    out = bytearray(ROSTER_DOMAIN)
    out += encode_varint(serial)
    out += encode_varint(len(members))
    for member in sorted(members, key=Member.sort_key):
        partner = member.partner.encode()
        out += encode_varint(len(partner)) + partner + member.key
        if member.last_valid_seq is None:
            out.append(0)
        else:
            out.append(1)
            out += encode_varint(member.last_valid_seq)
    return bytes(out)


def roster_file_text(serial: int, members: List[Member]) -> str:
    """roster.md §2, as a node writes it."""
    lines = [ROSTER_HEADER, f"serial {serial}"]
    for member in sorted(members, key=Member.sort_key):
        line = f"key {member.partner} {base64_encode(member.key)}"
        if member.last_valid_seq is not None:
            line += f" last-seq {member.last_valid_seq}"
        lines.append(line)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Roster chain (roster.md §6)

VERSION_HASH_DOMAIN = b"CAPSYNC-ROSTER-VERSION-V1" + b"\x00"
APPROVAL_DOMAIN = b"CAPSYNC-ROSTER-APPROVAL-V1" + b"\x00"
MAX_VERSION_SERIAL = 1 << 62
MAX_CHANGES = 8192
MAX_APPROVALS = ROSTER_MAX_MEMBERS
MAX_LAST_VALID_SEQ = MAX_SEQ
MAX_DENOMINATOR = 65536
ADD_PARTNER, ADD_KEY, RETIRE_KEY, REVOKE_KEY, REMOVE_PARTNER, SET_THRESHOLD = 1, 2, 3, 4, 5, 6
SET_ENCRYPTION_KEY = 7  # Protocol/releasability.md §2


def _string(text: str) -> bytes:
    raw = text.encode()
    return encode_varint(len(raw)) + raw


def encode_change(change: tuple) -> bytes:
    """A change as a tuple: (tag, ...fields) in the order of §6.2; removal cut-offs as [(key, last), ...]."""
    tag = change[0]
    if tag in (ADD_PARTNER, ADD_KEY, SET_ENCRYPTION_KEY):
        return bytes([tag]) + _string(change[1]) + change[2]
    if tag in (RETIRE_KEY, REVOKE_KEY):
        return bytes([tag]) + change[1] + encode_varint(change[2])
    if tag == REMOVE_PARTNER:
        cutoffs = sorted(change[2])
        return (bytes([tag]) + _string(change[1]) + encode_varint(len(cutoffs))
                + b"".join(key + encode_varint(last) for key, last in cutoffs))
    if tag == SET_THRESHOLD:
        return bytes([tag]) + encode_varint(change[1]) + encode_varint(change[2])
    raise ValueError(tag)


def encode_version_body(serial: int, previous: bytes, timestamp: int, changes: List[tuple],
                        sort: bool = True) -> bytes:
    encoded = [encode_change(c) for c in changes]
    if sort:
        encoded.sort()
    return (encode_varint(serial) + previous + timestamp.to_bytes(8, "big") + encode_varint(len(encoded))
            + b"".join(encoded))


def version_hash(body: bytes) -> bytes:
    return hashlib.sha256(VERSION_HASH_DOMAIN + body).digest()


def approve(body: bytes, partner: str, seed: bytes) -> tuple:
    return partner, raw_public_key(seed), private_key(seed).sign(APPROVAL_DOMAIN + body)


def encode_version(body: bytes, approvals: List[tuple], sort: bool = True) -> bytes:
    if sort:
        approvals = sorted(approvals, key=lambda a: (a[0].encode(), a[1]))
    return body + encode_varint(len(approvals)) + b"".join(_string(p) + k + s for p, k, s in approvals)


@dataclass
class RosterVersionValue:
    serial: int
    previous: bytes
    timestamp: int
    changes: List[tuple]
    approvals: List[tuple]
    body: bytes

    @property
    def hash(self) -> bytes:
        return version_hash(self.body)


def _read_partner(data: bytes, offset: int, field: str) -> Tuple[str, int]:
    length, offset = read_varint(data, offset, field + ".length", 16)
    raw, end = _take(data, offset, length, field)
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise SpecError("invalidValue", "not valid UTF-8", field, offset)
    if not valid_partner_code(text):
        raise SpecError("invalidValue", f"bad partner code {text!r}", field, offset)
    return text, end


def decode_version(data: bytes) -> RosterVersionValue:
    """§6.2, fields in order, the first problem met is the error."""
    serial, offset = read_varint(data, 0, "serial", MAX_VERSION_SERIAL)
    previous, offset = _take(data, offset, 32, "previous")
    raw, ts_offset = _take(data, offset, 8, "timestamp")
    timestamp = int.from_bytes(raw, "big")
    if timestamp == 0:
        raise SpecError("invalidValue", "timestamp 0", "timestamp", offset)
    offset = ts_offset
    count, offset = read_varint(data, offset, "changeCount", MAX_CHANGES)
    changes = []
    last_encoding = None
    for _ in range(count):
        start = offset
        if offset >= len(data):
            raise SpecError("truncated", "input ends before the change tag", "change.tag", offset)
        tag = data[offset]
        offset += 1
        if tag in (ADD_PARTNER, ADD_KEY, SET_ENCRYPTION_KEY):
            partner, offset = _read_partner(data, offset, "change.partner")
            key, offset = _take(data, offset, 32, "change.key")
            change = (tag, partner, key)
        elif tag in (RETIRE_KEY, REVOKE_KEY):
            key, offset = _take(data, offset, 32, "change.key")
            last, offset = read_varint(data, offset, "change.lastValidSeq", MAX_LAST_VALID_SEQ)
            change = (tag, key, last)
        elif tag == REMOVE_PARTNER:
            partner, offset = _read_partner(data, offset, "change.partner")
            n, n_offset = read_varint(data, offset, "change.keyCount", ROSTER_MAX_MEMBERS)
            if n == 0:
                raise SpecError("invalidValue", "a removal lists at least one key", "change.keyCount", offset)
            offset = n_offset
            cutoffs = []
            for _ in range(n):
                key, key_end = _take(data, offset, 32, "change.cutoff.key")
                last, key_end = read_varint(data, key_end, "change.cutoff.lastValidSeq", MAX_LAST_VALID_SEQ)
                if cutoffs and not cutoffs[-1][0] < key:
                    raise SpecError("invalidValue", "removal keys not strictly ascending", "change.cutoff.key", offset)
                cutoffs.append((key, last))
                offset = key_end
            change = (tag, partner, cutoffs)
        elif tag == SET_THRESHOLD:
            numerator, n_end = read_varint(data, offset, "change.numerator", MAX_DENOMINATOR)
            denominator, n_end = read_varint(data, n_end, "change.denominator", MAX_DENOMINATOR)
            if not 1 <= numerator <= denominator:
                raise SpecError("invalidValue", "threshold must be 1 <= n <= d", "change.threshold", offset)
            offset = n_end
            change = (tag, numerator, denominator)
        else:
            raise SpecError("invalidValue", f"unknown change tag {tag}", "change.tag", start)
        encoding = data[start:offset]
        if last_encoding is not None and not last_encoding < encoding:
            raise SpecError("invalidValue", "changes not strictly ascending", "change", start)
        last_encoding = encoding
        changes.append(change)
    body = data[:offset]
    count, offset = read_varint(data, offset, "approvalCount", MAX_APPROVALS)
    approvals = []
    for _ in range(count):
        start = offset
        partner, offset = _read_partner(data, offset, "approval.partner")
        key, offset = _take(data, offset, 32, "approval.key")
        signature, offset = _take(data, offset, 64, "approval.signature")
        if approvals and not (approvals[-1][0].encode(), approvals[-1][1]) < (partner.encode(), key):
            raise SpecError("invalidValue", "approvals not strictly ascending", "approval", start)
        approvals.append((partner, key, signature))
    if offset != len(data):
        raise SpecError("trailingBytes", f"{len(data) - offset} unexpected trailing byte(s)", "roster version", offset)
    return RosterVersionValue(serial, previous, timestamp, changes, approvals, body)


class ChainState:
    """§6.1: keys (key -> [partner, last or None, revoked]), partners (code -> active), threshold."""

    def __init__(self):
        self.serial = 0
        self.keys = {}
        self.partners = {}
        self.threshold = None
        self.timestamp = 0
        self.hash = bytes(32)
        self.encryption_keys = {}  # partner -> X25519 public key (releasability.md §2)

    def copy(self) -> "ChainState":
        other = ChainState()
        other.serial, other.threshold, other.timestamp, other.hash = (self.serial, self.threshold,
                                                                       self.timestamp, self.hash)
        other.keys = {k: list(v) for k, v in self.keys.items()}
        other.partners = dict(self.partners)
        other.encryption_keys = dict(self.encryption_keys)
        return other

    def active(self) -> List[str]:
        return sorted((p for p, a in self.partners.items() if a), key=str.encode)

    def required(self) -> int:
        numerator, denominator = self.threshold
        return -(-numerator * len(self.active()) // denominator)

    def may_approve(self, partner: str, key: bytes) -> bool:
        entry = self.keys.get(key)
        return self.partners.get(partner) is True and entry is not None and entry[0] == partner and entry[1] is None

    def members(self) -> List[Member]:
        return sorted((Member(v[0], k, v[1]) for k, v in self.keys.items()), key=Member.sort_key)

    def apply_changes(self, version: RosterVersionValue) -> "ChainState":
        state = self.copy()
        for change in version.changes:
            state._apply(change)
        if not state.active():
            raise SpecError("illegalChange", "no partner would remain active", "roster version")
        state.serial, state.timestamp, state.hash = version.serial, version.timestamp, version.hash
        return state

    def _lower(self, key: bytes, last: int) -> None:
        current = self.keys[key][1]
        if current is not None and last > current:
            raise SpecError("cutoffRaised", f"last valid seq {current} raised to {last}", "roster version")
        self.keys[key][1] = last

    def _add_key(self, partner: str, key: bytes) -> None:
        if key in self.keys:
            raise SpecError("illegalChange", "key already in the roster", "roster version")
        if len(self.keys) >= ROSTER_MAX_MEMBERS:
            raise SpecError("illegalChange", "too many keys", "roster version")
        self.keys[key] = [partner, None, False]

    def _apply(self, change: tuple) -> None:
        tag = change[0]
        if tag == ADD_PARTNER:
            if change[1] in self.partners:
                raise SpecError("illegalChange", "partner code already used", "roster version")
            self._add_key(change[1], change[2])
            self.partners[change[1]] = True
        elif tag == ADD_KEY:
            if self.partners.get(change[1]) is not True:
                raise SpecError("illegalChange", "not an active partner", "roster version")
            self._add_key(change[1], change[2])
        elif tag in (RETIRE_KEY, REVOKE_KEY):
            if change[1] not in self.keys:
                raise SpecError("illegalChange", "key not in the roster", "roster version")
            self._lower(change[1], change[2])
            if tag == REVOKE_KEY:
                self.keys[change[1]][2] = True
        elif tag == REMOVE_PARTNER:
            partner = change[1]
            if self.partners.get(partner) is not True:
                raise SpecError("illegalChange", "not an active partner", "roster version")
            own = sorted(k for k, v in self.keys.items() if v[0] == partner)
            if [k for k, _ in change[2]] != own:
                raise SpecError("illegalChange", "removal must list exactly the partner's keys", "roster version")
            for key, last in change[2]:
                self._lower(key, last)
            self.partners[partner] = False
        elif tag == SET_THRESHOLD:
            self.threshold = (change[1], change[2])
        elif tag == SET_ENCRYPTION_KEY:
            if self.partners.get(change[1]) is not True:
                raise SpecError("illegalChange", "an encryption key for a partner that is not active", "roster version")
            self.encryption_keys[change[1]] = change[2]


def _check_approvers(version: RosterVersionValue, state: ChainState, required: int) -> None:
    signed = []
    for partner, key, _ in version.approvals:
        if not state.may_approve(partner, key):
            raise SpecError("signerNotMember", f"{partner} with that key may not approve", "roster version")
        if partner in signed:
            raise SpecError("duplicateSigner", f"{partner} approved twice", "roster version")
        signed.append(partner)
    if len(signed) < required:
        raise SpecError("belowThreshold", f"{len(signed)} of {required} approvals", "roster version")


def _check_signatures(version: RosterVersionValue) -> None:
    for partner, key, signature in version.approvals:
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(signature, APPROVAL_DOMAIN + version.body)
        except (InvalidSignature, ValueError):
            raise SpecError("badSignature", f"approval by {partner} does not verify", "roster version")


def adopt_genesis(version: RosterVersionValue) -> ChainState:
    """§6.4."""
    if version.previous != bytes(32):
        raise SpecError("invalidValue", "genesis previous must be zero", "roster genesis")
    if not any(c[0] == SET_THRESHOLD for c in version.changes):
        raise SpecError("illegalChange", "genesis sets the threshold", "roster genesis")
    state = ChainState().apply_changes(version)
    _check_approvers(version, state, len(state.active()))
    _check_signatures(version)
    return state


def adopt_next(head: ChainState, version: RosterVersionValue) -> ChainState:
    """§6.5, in order."""
    if version.previous != head.hash:
        if version.serial <= head.serial:
            raise SpecError("rollback", "older than the roster in force", "roster version")
        raise SpecError("wrongPrevious", "previous is not the hash of the roster in force", "roster version")
    if version.serial != head.serial + 1:
        raise SpecError("serialNotIncreasing", "serial must be one above the previous", "roster version")
    if version.timestamp <= head.timestamp:
        raise SpecError("timestampNotIncreasing", "timestamp not after the previous version's", "roster version")
    _check_approvers(version, head, head.required())
    state = head.apply_changes(version)
    _check_signatures(version)
    return state


# ---------------------------------------------------------------------------------------------------------------
# The roster chain in the log (roster.md §7): proposals (kind 16) and approvals (kind 17) are entries; a node
# derives its chain from the ones it holds.

PROPOSAL_KIND, APPROVAL_KIND = 16, 17


def decode_proposal(payload: bytes) -> RosterVersionValue:
    """§7.1: exactly one version body. Decoded as a version with no approvals (the body, then a zero count)."""
    version = decode_version(payload + b"\x00")
    if version.body != payload:
        raise SpecError("trailingBytes", "not exactly one version body", "roster proposal")
    return version


def decode_approval(payload: bytes) -> Tuple[bytes, bytes]:
    """§7.1: (version hash, signature)."""
    if len(payload) != 96:
        raise SpecError("truncated" if len(payload) < 96 else "trailingBytes", "an approval is 96 bytes",
                        "roster approval")
    return payload[:32], payload[32:]


def _counting_approvals(version: RosterVersionValue, votes: List[Tuple[bytes, bytes]], state: ChainState) -> List[tuple]:
    """Per partner of `state`, the approval of its lowest open key whose signature verifies (§7.2)."""
    chosen: dict = {}
    for key, signature in votes:
        entry = state.keys.get(key)
        if entry is None or not state.may_approve(entry[0], key):
            continue
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(signature, APPROVAL_DOMAIN + version.body)
        except (InvalidSignature, ValueError):
            continue
        kept = chosen.get(entry[0])
        if kept is None or key < kept[1]:
            chosen[entry[0]] = (entry[0], key, signature)
    return sorted(chosen.values(), key=lambda a: (a[0].encode(), a[1]))


def _with_approvals(version: RosterVersionValue, approvals: List[tuple]) -> RosterVersionValue:
    return RosterVersionValue(version.serial, version.previous, version.timestamp, version.changes, approvals,
                              version.body)


def derive_ledger(entries: List[bytes], anchor_canonical: bytes) -> dict:
    """§7.2 from the entry bytes alone: the adopted versions' hashes, a fork, malformed governance entries."""
    proposals: dict = {}
    votes: dict = {}
    malformed: List[bytes] = []
    for raw in entries:
        entry = decode_entry(raw)
        try:
            if entry.kind == PROPOSAL_KIND:
                version = decode_proposal(entry.payload)
                proposals.setdefault(version.hash, version)
            elif entry.kind == APPROVAL_KIND:
                version_hash, signature = decode_approval(entry.payload)
                votes.setdefault(version_hash, []).append((entry.author, signature))
        except SpecError:
            malformed.append(entry.entry_id)

    def qualifies(version: RosterVersionValue, head: ChainState) -> Optional[ChainState]:
        try:
            return adopt_next(head, _with_approvals(version, _counting_approvals(version, votes.get(version.hash, []),
                                                                                 head)))
        except SpecError:
            return None

    chain: List[bytes] = []
    head: Optional[ChainState] = None
    for version_hash in sorted(proposals):
        version = proposals[version_hash]
        if version.previous != bytes(32):
            continue
        try:
            state = ChainState().apply_changes(version)
        except SpecError:
            continue
        if roster_canonical_bytes(version.serial, state.members()) != anchor_canonical:
            continue
        try:
            head = adopt_genesis(_with_approvals(version, _counting_approvals(version, votes.get(version_hash, []),
                                                                              state)))
        except SpecError:
            continue
        chain.append(version_hash)
        break
    fork = None
    while head is not None:
        successors = [(h, s) for h, v in sorted(proposals.items()) if v.previous == head.hash
                      for s in [qualifies(v, head)] if s is not None]
        if len(successors) == 1:
            chain.append(successors[0][0])
            head = successors[0][1]
            continue
        if len(successors) > 1:
            followed = [(h, s) for h, s in successors
                        if any(v.previous == h and qualifies(v, s) is not None for v in proposals.values())]
            if len(followed) == 1:
                chain.append(followed[0][0])
                head = followed[0][1]
                continue
            fork = {"serial": head.serial + 1, "versions": [h.hex() for h, _ in successors]}
        break
    return {"chain": [h.hex() for h in chain], "fork": fork, "malformed": sorted(m.hex() for m in malformed)}
