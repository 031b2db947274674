// Tests of CapSyncLog.
