import Foundation

/// Replaces a file all at once: the bytes go to `<path>.tmp.<pid>`, which is fsynced and then
/// renamed over `path`, so a reader sees the old file or the new one, never half of one. With
/// `syncDirectory`, the directory is fsynced too, so the rename itself survives a power cut.
public enum AtomicFile {
    /// Writes `bytes` to `path` with permissions `mode` (whatever the umask).
    ///
    /// - Throws: ``AtomicFileError`` naming the step and errno; the temporary file is removed.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, syncDirectory: Bool = false,
                             describedAs what: String) throws(AtomicFileError) {
        let temporary = "\(path).tmp.\(getpid())"
        func failure(_ step: AtomicFileError.Step, _ code: Int32) -> AtomicFileError {
            AtomicFileError(what: what, path: path, step: step, temporaryPath: temporary, errno: code)
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure(.create, errno) }
        var failed: AtomicFileError?
        _ = fchmod(descriptor, mode)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                failed = failure(.write, errno)
                break
            }
            offset += written
        }
        if failed == nil, fsync(descriptor) != 0 { failed = failure(.sync, errno) }
        close(descriptor)
        if failed == nil, rename(temporary, path) != 0 { failed = failure(.rename, errno) }
        if let failed {
            unlink(temporary)
            throw failed
        }
        if syncDirectory {
            let directory = (path as NSString).deletingLastPathComponent
            let handle = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard handle >= 0 else { throw failure(.syncDirectory, errno) }
            defer { close(handle) }
            if fsync(handle) != 0 { throw failure(.syncDirectory, errno) }
        }
    }
}

/// Why a file could not be replaced: the step, the file it was working on, and errno.
public struct AtomicFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Step: String, Sendable {
        case create = "create"
        case write = "write"
        case sync = "fsync"
        case rename = "rename"
        case syncDirectory = "fsync the directory of"
    }

    /// What the file is, for messages: "metrics textfile", "serving file", …
    public var what: String
    /// The file the caller asked for.
    public var path: String
    public var step: Step
    /// The temporary file (`<path>.tmp.<pid>`).
    public var temporaryPath: String
    public var errno: Int32

    public var description: String {
        let target = switch step {
        case .rename: "\(temporaryPath) to \(path)"
        case .syncDirectory: path
        default: temporaryPath
        }
        return "cannot write \(what) \(path): \(step.rawValue) \(target): \(String(cString: strerror(errno)))"
    }
}
