import Foundation

/// Why the metrics textfile could not be written: the step, the file it was working on, and errno.
public struct MetricsTextfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Step: String, Sendable {
        case create = "create"
        case write = "write"
        case sync = "fsync"
        case rename = "rename"
    }

    /// The textfile the caller asked for.
    public var path: String
    public var step: Step
    /// The file the step worked on: the temporary file (`<path>.tmp.<pid>`).
    public var temporaryPath: String
    public var errno: Int32

    public var description: String {
        let target = step == .rename ? "\(temporaryPath) to \(path)" : temporaryPath
        return "cannot write metrics textfile \(path): \(step.rawValue) \(target): \(String(cString: strerror(errno)))"
    }
}
