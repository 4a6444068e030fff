import Foundation

/// What makes a log file the same file across renames and restarts: its device and inode,
/// plus a fingerprint of its first bytes, because an inode number can be reused by a new
/// file once the old one is deleted.
public struct FileIdentity: Sendable, Equatable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    /// FNV-1a 64 of the first `fingerprintLength` bytes.
    public var fingerprint: UInt64
    /// How many leading bytes the fingerprint covers: up to `FileIdentity.fingerprintBytes`,
    /// fewer while the file was shorter.
    public var fingerprintLength: Int

    /// How many leading bytes identify a file's content.
    public static let fingerprintBytes = 256

    public init(device: UInt64, inode: UInt64, fingerprint: UInt64, fingerprintLength: Int) {
        self.device = device
        self.inode = inode
        self.fingerprint = fingerprint
        self.fingerprintLength = fingerprintLength
    }

    /// The identity of the open file `descriptor`, fingerprinting up to `FileIdentity.fingerprintBytes`.
    static func of(descriptor: Int32) -> FileIdentity? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        let length = min(Int(info.st_size), fingerprintBytes)
        guard let fingerprint = fingerprint(of: descriptor, length: length) else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), fingerprint: fingerprint, fingerprintLength: length)
    }

    /// Whether the open file `descriptor` is this file: same device and inode, and its first
    /// `fingerprintLength` bytes unchanged.
    func matches(descriptor: Int32) -> Bool {
        var info = stat()
        guard fstat(descriptor, &info) == 0, UInt64(info.st_dev) == device, UInt64(info.st_ino) == inode,
              Int(info.st_size) >= fingerprintLength else { return false }
        return Self.fingerprint(of: descriptor, length: fingerprintLength) == fingerprint
    }

    /// Whether the open file `descriptor` starts with the same bytes as this file did, whatever
    /// its inode: a copy (logrotate's copytruncate) of content already read.
    func contentMatches(descriptor: Int32) -> Bool {
        guard fingerprintLength > 0 else { return false }
        return Self.fingerprint(of: descriptor, length: fingerprintLength) == fingerprint
    }

    /// Whether `info` describes the same device and inode.
    func sameInode(as info: stat) -> Bool {
        UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// FNV-1a 64 over the first `length` bytes of the file.
    static func fingerprint(of descriptor: Int32, length: Int) -> UInt64? {
        var bytes = [UInt8](repeating: 0, count: max(length, 1))
        var read = 0
        while read < length {
            let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + read, length - read, off_t(read)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            read += count
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes.prefix(length) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
