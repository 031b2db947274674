// CapSyncDashboard: the coalition view as one self-contained HTML page (docs/design.md, "The dashboard").
//
// The page is built from values the views already computed (`DashboardModel`): no fold happens here, and nothing
// is read from disk. Charts are inline SVG drawn by `BulletChart` and `TrendChart`; every chart carries its
// numbers as `data-value` attributes and is followed by a table with the same numbers. Styles, the one script
// and the data are inlined, and a Content-Security-Policy of `default-src 'none'` (with hashes for the inline
// style and script) keeps a viewing browser from fetching anything.
