// CapSyncMerge — the capacity data model and the deterministic fold of signed entries into the coalition
// view (docs/design.md D7, Protocol/fold.md, Protocol/payloads.md). A pure function of (entries, roster, fold version):
//
// - `EntryKind`, `Operation` and the payload types (`CapacityReport`, `ReportRetraction`, `Need`, `Pledge`,
//   `PoolJoin`, `PoolLeave`) with their strict canonical encodings;
// - `FoldState`, the incremental accumulator (add entries in any order, merge partial folds, finish), and
//   `fold(entries:roster:...)`, the one-call form;
// - `CoalitionState`, the merged state with its canonical encoding and digest, its views for a month (site
//   figures, totals by item/partner/site, threshold alerts, trend, shortfall matches), shortfalls, pools,
//   per-partner detail and `diff`;
// - `EntrySetDigest`, and the display `Catalog` (never an input of the fold).
//
// No store, no I/O, no clock: the caller passes the time used for far-future flags.
//
// Folders: `Model/` (entry kinds, payloads, their field rules), `Fold/` (the fold and its per-author chains),
// `FoldTables/` (the fold's internal hash tables, interning and record ordering), `Views/` (the merged state,
// its views and diffs).
