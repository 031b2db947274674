// Tests of CapSyncTLS.
