// CapSyncTLS — mutual TLS 1.3 over the system OpenSSL for SwiftNIO: a thin ChannelHandler over a pure state
// machine driving an SSL* through two memory BIOs, with trust pinned to roster signing keys (docs/design.md D3, D4).
//
// Layout:
//   TLSConfiguration  what a node brings: its TLS key and certificate, the roster's signing keys, its role
//   TLSContext        the SSL_CTX built from it (TLS 1.3 only, Ed25519 only, no tickets, peer cert required)
//   PeerPin           the trust decision: which pinned signing key issued the peer's certificate
//   TLSConnection     one SSL* with its two memory BIOs: bytes in, bytes out, OpenSSL results as Swift enums
//   TLSStateMachine   the connection's life (handshake, data, close_notify, truncation, timeouts) as actions
//   TLSHandler        the NIO shell that performs those actions on a channel
//   TLSError          the module's one error type, carrying OpenSSL's reasons
//
// Use (profile and pin rules: Protocol/tls.md):
//   let context = try TLSContext(configuration: .client(privateKey: tlsKey, certificate: tlsCertificate,
//                                                      trustedSigningKeys: roster, dialing: peerSigningKey))
//   try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context))   // first in the pipeline
//   // above it: plaintext ByteBuffers; TLSEvent.handshakeCompleted(PeerIdentity) as a user inbound event;
//   // failures as TLSError through errorCaught, after which the channel is closed.
// One TLSContext per node and role, shared by all its connections; one TLSHandler per connection.
