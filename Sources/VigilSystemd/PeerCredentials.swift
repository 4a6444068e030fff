import Foundation

/// Who is at the other end of a connected Unix socket, as the kernel vouches for it (`SO_PEERCRED`).
public struct PeerCredentials: Sendable, Equatable {
    public let pid: Int32
    public let uid: UInt32
    public let gid: UInt32

    /// Reads the peer's credentials from a connected Unix socket.
    ///
    /// - Throws: `PeerCredentialsError` with the errno when the kernel refuses.
    public init(socket descriptor: Int32) throws(PeerCredentialsError) {
        // `struct ucred` is hidden behind _GNU_SOURCE, which Swift's Glibc module does not
        // define; its layout is fixed by the kernel ABI: pid, uid, gid.
        var credentials = RawCredentials()
        var length = socklen_t(MemoryLayout<RawCredentials>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else {
            throw PeerCredentialsError(errno: errno)
        }
        pid = credentials.pid
        uid = credentials.uid
        gid = credentials.gid
    }

    /// The peer user's name, when the user database knows it.
    public var userName: String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return String(cString: entry.pw_name)
    }

    /// The ids of every group the peer user belongs to: the primary group and the supplementary ones.
    public var groupIDs: Set<UInt32> {
        guard let userName else { return [gid] }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        while getgrouplist(userName, gid, &groups, &count) == -1 {
            groups = [gid_t](repeating: 0, count: Int(count))
        }
        return Set(groups.prefix(Int(count))).union([gid])
    }

    /// Whether the peer user belongs to the group named `groupName`.
    public func isMember(ofGroupNamed groupName: String) -> Bool {
        guard let id = Self.groupID(named: groupName) else { return false }
        return groupIDs.contains(id)
    }

    /// The id of the group named `name`, or nil when there is none.
    public static func groupID(named name: String) -> UInt32? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }
}

/// The kernel's `struct ucred`, as `getsockopt(SO_PEERCRED)` fills it.
private struct RawCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// The kernel refused to say who the peer is.
public struct PeerCredentialsError: Error, Sendable, CustomStringConvertible {
    public let errno: Int32
    public var description: String { "cannot read peer credentials: \(String(cString: strerror(errno)))" }
}
