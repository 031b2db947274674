import CapSyncFuzzTargets

/// The target chosen on the command line; set once before libFuzzer starts, then only read from its callback
/// (libFuzzer runs the callback on the thread that called LLVMFuzzerRunDriver).
nonisolated(unsafe) var selectedTarget = FuzzTarget.entry
