// Tests of CapSyncMerge.
