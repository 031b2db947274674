// CapSyncWire — the byte formats every node must agree on, byte for byte (Protocol/entry.md, Protocol/roster.md):
// the canonical encoding primitives (minimal LEB128 varints, fixed fields, length-prefixed bytes) with a reader
// that never traps on hostile input; the signed, hash-chained log entry; the hybrid logical clock; the
// coalition roster and its chain of approved versions. No I/O, no networking: values in, bytes out, and back.
