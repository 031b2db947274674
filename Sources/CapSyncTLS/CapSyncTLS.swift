// CapSyncTLS — mutual TLS 1.3 over the system OpenSSL for SwiftNIO: a thin ChannelHandler over a pure state
// machine driving an SSL* through two memory BIOs, with trust pinned to roster signing keys (DESIGN D3, D4).
