#!/usr/bin/env python3
"""Sealed entries (Protocol/releasability.md), written from that page alone with the `cryptography` package:
the content-key wrap (§3), the kind-18 payload (§4.1), sealing and opening (§4.2–§4.3).

As a program it opens sealed payloads made elsewhere (the Swift test suite uses it to check that what Swift
seals, Python opens): it reads JSON {"payload", "author", "partner", "private"} (hex) per line on stdin and
prints JSON {"kind", "payload"} or {"error"} per line.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

sys.path.insert(0, __file__.rsplit("/", 1)[0])
sys.dont_write_bytecode = True
from capsync_spec import SpecError, encode_varint, read_varint, valid_partner_code  # noqa: E402

WRAP_DOMAIN = b"CAPSYNC-SEALED-WRAP-V1\x00"
CONTENT_DOMAIN = b"CAPSYNC-SEALED-V1\x00"
COMMITMENT_DOMAIN = b"CAPSYNC-SEALED-KEY-V1\x00"
SEALED_KIND = 18
MAX_LABEL = 64
MAX_CIPHERTEXT = 65536
MAX_SERIAL = 1 << 62


def x25519_public(private: bytes) -> bytes:
    key = X25519PrivateKey.from_private_bytes(private)
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _okm(shared: bytes, ephemeral_public: bytes, recipient_public: bytes, context: bytes) -> bytes:
    if shared == bytes(32):
        raise SpecError("decryptionFailed", "the X25519 shared secret is all zero")
    return HKDF(algorithm=hashes.SHA256(), length=44, salt=WRAP_DOMAIN + ephemeral_public + recipient_public,
                info=context).derive(shared)


def wrap(content_key: bytes, recipient_public: bytes, ephemeral_private: bytes, context: bytes) -> bytes:
    """§3: the 48-byte wrap of `content_key`."""
    ephemeral = X25519PrivateKey.from_private_bytes(ephemeral_private)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    okm = _okm(shared, x25519_public(ephemeral_private), recipient_public, context)
    return AESGCM(okm[:32]).encrypt(okm[32:44], content_key, None)


def unwrap(wrapped: bytes, ephemeral_public: bytes, recipient_private: bytes, context: bytes) -> bytes:
    key = X25519PrivateKey.from_private_bytes(recipient_private)
    shared = key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    okm = _okm(shared, ephemeral_public, x25519_public(recipient_private), context)
    try:
        return AESGCM(okm[:32]).decrypt(okm[32:44], wrapped, None)
    except Exception as error:  # cryptography's InvalidTag
        raise SpecError("decryptionFailed", f"the wrapped key does not open ({type(error).__name__})")


def _string(text: str) -> bytes:
    raw = text.encode()
    return encode_varint(len(raw)) + raw


@dataclass
class Sealed:
    label: List[str]
    roster_serial: int
    wraps: List[Tuple[bytes, bytes, bytes]] = field(default_factory=list)  # (recipient, ephemeral, wrapped)
    commitment: bytes = b""
    nonce: bytes = b""
    ciphertext: bytes = b""

    @property
    def header(self) -> bytes:
        return (bytes([1]) + encode_varint(len(self.label)) + b"".join(_string(p) for p in self.label)
                + encode_varint(self.roster_serial))

    @property
    def clear_part(self) -> bytes:
        return self.header + b"".join(r + e + w for r, e, w in self.wraps) + self.commitment + self.nonce

    @property
    def encoded(self) -> bytes:
        return self.clear_part + encode_varint(len(self.ciphertext)) + self.ciphertext


def wrap_context(author: bytes, header: bytes, partner: str) -> bytes:
    return author + header + _string(partner)


def content_aad(author: bytes, sealed: Sealed) -> bytes:
    return CONTENT_DOMAIN + author + sealed.clear_part


def commitment(content_key: bytes) -> bytes:
    return hashlib.sha256(COMMITMENT_DOMAIN + content_key).digest()


def seal(kind: int, payload: bytes, recipients: Dict[str, bytes], roster_serial: int, author: bytes,
         content_key: bytes, nonce: bytes, ephemerals: List[bytes]) -> Sealed:
    """§4.2 with the given random inputs: `recipients` maps partner → X25519 public key; ephemerals in label order."""
    label = sorted(recipients, key=lambda p: p.encode())
    sealed = Sealed(label, roster_serial, commitment=commitment(content_key), nonce=nonce)
    for partner, ephemeral in zip(label, ephemerals):
        context = wrap_context(author, sealed.header, partner)
        sealed.wraps.append((recipients[partner], x25519_public(ephemeral),
                             wrap(content_key, recipients[partner], ephemeral, context)))
    plaintext = encode_varint(kind) + payload
    sealed.ciphertext = AESGCM(content_key).encrypt(nonce, plaintext, content_aad(author, sealed))
    return sealed


def decode(data: bytes) -> Sealed:
    """§4.1, every rule in field order."""
    if len(data) < 1:
        raise SpecError("truncated", "input ends before the version", "sealed.version", 0)
    if data[0] != 1:
        raise SpecError("invalidValue", f"version {data[0]}", "sealed.version", 0)
    offset = 1
    start = offset
    count, offset = read_varint(data, offset, "sealed.labelCount", MAX_LABEL)
    if count == 0:
        raise SpecError("invalidValue", "empty label", "sealed.labelCount", start)
    label: List[str] = []
    for _ in range(count):
        start = offset
        length, offset = read_varint(data, offset, "sealed.label.length", 16)
        raw = _take(data, offset, length, "sealed.label")
        offset += length
        try:
            code = raw.decode()
        except UnicodeDecodeError:
            raise SpecError("invalidValue", "not UTF-8", "sealed.label", start)
        if not valid_partner_code(code):
            raise SpecError("invalidValue", f"not a partner code: {code!r}", "sealed.label", start)
        if label and not label[-1].encode() < code.encode():
            raise SpecError("invalidValue", "label not strictly ascending", "sealed.label", start)
        label.append(code)
    serial, offset = read_varint(data, offset, "sealed.rosterSerial", MAX_SERIAL)
    sealed = Sealed(label, serial)
    for _ in range(count):
        recipient = _take(data, offset, 32, "sealed.wrap.recipient")
        ephemeral = _take(data, offset + 32, 32, "sealed.wrap.ephemeral")
        wrapped = _take(data, offset + 64, 48, "sealed.wrap.wrapped")
        offset += 112
        sealed.wraps.append((recipient, ephemeral, wrapped))
    sealed.commitment = _take(data, offset, 32, "sealed.commitment")
    offset += 32
    sealed.nonce = _take(data, offset, 12, "sealed.nonce")
    offset += 12
    start = offset
    length, offset = read_varint(data, offset, "sealed.ciphertext.length", MAX_CIPHERTEXT)
    if length < 16:
        raise SpecError("invalidValue", "ciphertext shorter than its tag", "sealed.ciphertext.length", start)
    sealed.ciphertext = _take(data, offset, length, "sealed.ciphertext")
    offset += length
    if offset != len(data):
        raise SpecError("trailingBytes", f"{len(data) - offset} trailing bytes", "sealed payload", offset)
    return sealed


def _take(data: bytes, offset: int, count: int, field_name: str) -> bytes:
    if len(data) - offset < count:
        raise SpecError("truncated", f"input ends before these {count} bytes", field_name, offset)
    return data[offset:offset + count]


def open_sealed(sealed: Sealed, partner: str, private: bytes, author: bytes) -> Tuple[int, bytes]:
    """§4.3: (inner kind, inner payload), or SpecError notInAudience / decryptionFailed."""
    if partner not in sealed.label:
        raise SpecError("notInAudience", f"{partner} is not in the label")
    recipient, ephemeral, wrapped = sealed.wraps[sealed.label.index(partner)]
    if recipient != x25519_public(private):
        raise SpecError("decryptionFailed", "wrapped to another key")
    content_key = unwrap(wrapped, ephemeral, private, wrap_context(author, sealed.header, partner))
    if commitment(content_key) != sealed.commitment:
        raise SpecError("decryptionFailed", "the content key does not match the commitment")
    try:
        plaintext = AESGCM(content_key).decrypt(sealed.nonce, sealed.ciphertext, content_aad(author, sealed))
    except Exception as error:
        raise SpecError("decryptionFailed", f"the ciphertext does not open ({type(error).__name__})")
    kind, offset = read_varint(plaintext, 0, "sealed plaintext.kind", 0xFFFFFFFF)
    if not (1 <= kind <= 6 or 9 <= kind <= 15):
        raise SpecError("invalidValue", f"a sealed entry carries kind {kind}")
    return kind, plaintext[offset:]


def main() -> int:
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            kind, payload = open_sealed(decode(bytes.fromhex(request["payload"])), request["partner"],
                                        bytes.fromhex(request["private"]), bytes.fromhex(request["author"]))
            print(json.dumps({"kind": kind, "payload": payload.hex()}))
        except SpecError as error:
            print(json.dumps({"error": error.code}))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
