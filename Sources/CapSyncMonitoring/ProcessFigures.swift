internal import Foundation

/// Figures of this process the kernel keeps.
enum ProcessFigures {
    /// Open file descriptors (entries of /proc/self/fd, less the one listing them); nil where /proc is absent.
    static func openDescriptors() -> Int? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
        return max(0, names.count - 1)
    }
}
