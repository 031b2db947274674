// Tests of CapSyncSync.
