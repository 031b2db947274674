// CapSyncMerge — the capacity data model and the deterministic fold of signed entries into the coalition
// view (DESIGN D7, Protocol/fold.md). A pure function of (entries, roster, fold version).
