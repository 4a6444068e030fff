import Foundation

/// The daemon's state directory, created when missing, checked writable, and locked so
/// that two daemons never share one.
///
/// The lock is an `flock` on `<state_dir>/vigild.lock`, held for the life of this value;
/// the kernel drops it when the process dies, even by SIGKILL.
public final class StateDirectory: Sendable {
    public let path: String
    private let lockDescriptor: Int32

    /// The SQLite database inside the directory.
    public var databasePath: String { (path as NSString).appendingPathComponent("vigil.db") }

    /// Creates (mode 0750) and locks the directory at `path`.
    ///
    /// - Throws: `StateDirectoryError` when it cannot be created or written, or another daemon holds it.
    public init(path: String) throws(StateDirectoryError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .unusable(path: path, reason: "it exists and is not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            } catch {
                throw .unusable(path: path, reason: "cannot create it: \(Self.reason(of: error))")
            }
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw .unusable(path: path, reason: "not writable by this user (uid \(getuid())): \(String(cString: strerror(errno)))")
        }
        let lockPath = (path as NSString).appendingPathComponent("vigild.lock")
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw .unusable(path: path, reason: "cannot create \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readPID(descriptor)
            close(descriptor)
            throw .inUse(path: path, pid: holder)
        }
        // Record who holds the lock, for the message another daemon would print.
        let pidText = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pidText.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.path = path
        self.lockDescriptor = descriptor
    }

    deinit {
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    private static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 31, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func reason(of error: any Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return (error as NSError).localizedDescription
    }
}

/// Why the state directory cannot be used.
public enum StateDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case unusable(path: String, reason: String)
    case inUse(path: String, pid: Int32?)

    public var description: String {
        switch self {
        case let .unusable(path, reason):
            return "state directory \(path) is unusable: \(reason)"
        case let .inUse(path, pid):
            let holder = pid.map { "vigild (pid \($0))" } ?? "vigild"
            return "state directory \(path) is in use by another \(holder); stop it first or use another state_dir"
        }
    }
}
