import Foundation

/// A value that must never reach a log, a status page or an error message: however it is
/// printed (interpolated, dumped, mirrored) it shows as `<redacted>`. Code that needs the
/// value asks for `revealed` by name.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let revealed: String

    public init(_ value: String) { revealed = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
