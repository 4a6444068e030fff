import Foundation
import Testing
@testable import VigilSystemd

struct PeerCredentialsTests {
    @Test("the peer of a socket pair is this very process")
    func socketPairPeerIsSelf() throws {
        var descriptors: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0)
        defer { descriptors.forEach { close($0) } }
        let peer = try PeerCredentials(socket: descriptors[0])
        #expect(peer.pid == getpid())
        #expect(peer.uid == getuid())
        #expect(peer.gid == getgid())
        #expect(peer.groupIDs.contains(getgid()))
    }

    @Test("asking a descriptor that is not a socket fails with its errno")
    func notASocket() throws {
        let error = try #require(throws: PeerCredentialsError.self) { try PeerCredentials(socket: -1) }
        #expect(error.errno == EBADF)
    }

    @Test("group membership is looked up by name")
    func groupMembership() throws {
        var descriptors: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0)
        defer { descriptors.forEach { close($0) } }
        let peer = try PeerCredentials(socket: descriptors[0])
        let ownGroup = try #require(getgrgid(getgid())).pointee.gr_name.map { String(cString: $0) }
        #expect(peer.isMember(ofGroupNamed: try #require(ownGroup)))
        #expect(!peer.isMember(ofGroupNamed: "no-such-group-\(UUID().uuidString.prefix(8))"))
    }
}
