/// Where reading one log file stands: which file, how far (bytes and lines) and how often it
/// was rotated or truncated. Saved in the same transaction as the effects of the lines read.
public struct TailCheckpoint: Sendable, Equatable {
    /// The file being read, nil before it first existed.
    public var identity: FileIdentity?
    /// The byte offset just past the last complete line consumed.
    public var offset: Int64
    /// How many lines of this file have been consumed.
    public var line: Int64
    /// Rename rotations followed since the checkpoint began.
    public var rotations: Int64
    /// Truncations (copytruncate) seen.
    public var truncations: Int64

    public init(identity: FileIdentity? = nil, offset: Int64 = 0, line: Int64 = 0, rotations: Int64 = 0, truncations: Int64 = 0) {
        self.identity = identity
        self.offset = offset
        self.line = line
        self.rotations = rotations
        self.truncations = truncations
    }
}

/// Something that happened to a followed file, worth a journal entry.
public enum TailEvent: Sendable, Equatable {
    /// The file appeared (or was opened at start) at `path`.
    case opened(path: String, resumedAt: Int64)
    /// The file was renamed away and a new one took its path; the old one was read to its end.
    case rotated(path: String, previousLines: Int64)
    /// The file shrank below the read offset (copytruncate): reading restarts at 0.
    case truncated(path: String, lostAfterOffset: Int64)
    /// While vigild was stopped the file at the path was replaced; the new one is read from its start.
    case replaced(path: String)
    /// A rotated-away file found beside the path (rotated before vigild got to it) was read.
    case recoveredRotated(path: String, lines: Int64)
}

/// One complete line handed out by a tailer; `bytes` excludes the newline and is valid
/// only inside the callback.
public struct TailLine {
    public let bytes: UnsafeRawBufferPointer
    /// The 1-based line number in its file.
    public let number: Int64
    /// The byte offset of the line's first byte.
    public let offset: Int64
    /// The line's full length when it was longer than the tailer keeps (`bytes` then holds its start).
    public let overlongLength: Int?
}
