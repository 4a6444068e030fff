import Foundation
import Testing
import VigilSystemd

struct CloseOnExecTests {
    func isCloseOnExec(_ descriptor: Int32) -> Bool { fcntl(descriptor, F_GETFD) & FD_CLOEXEC != 0 }
    func isNonBlocking(_ descriptor: Int32) -> Bool { fcntl(descriptor, F_GETFL) & O_NONBLOCK != 0 }

    @Test("a pipe is close-on-exec at both ends, non-blocking only when asked, and its reader sees the end once the writer closes")
    func pipes() throws {
        let blocking = try #require(CloseOnExec.pipe())
        defer { close(blocking.read) }
        #expect(isCloseOnExec(blocking.read) && isCloseOnExec(blocking.write))
        #expect(!isNonBlocking(blocking.read) && !isNonBlocking(blocking.write))
        var byte: UInt8 = 7
        #expect(write(blocking.write, &byte, 1) == 1)
        close(blocking.write)
        #expect(read(blocking.read, &byte, 1) == 1 && byte == 7)
        #expect(read(blocking.read, &byte, 1) == 0)

        let nonBlocking = try #require(CloseOnExec.pipe(nonBlocking: true))
        defer { close(nonBlocking.read); close(nonBlocking.write) }
        #expect(isCloseOnExec(nonBlocking.read) && isCloseOnExec(nonBlocking.write))
        #expect(isNonBlocking(nonBlocking.read) && isNonBlocking(nonBlocking.write))
        #expect(read(nonBlocking.read, &byte, 1) == -1 && errno == EAGAIN)
    }

    @Test("an accepted connection is close-on-exec and non-blocking; with none waiting, accepting fails with EAGAIN")
    func acceptedConnections() throws {
        let path = NSTemporaryDirectory() + "vigil-cloexec-\(getpid()).sock"
        unlink(path)
        defer { unlink(path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            _ = path.utf8CString.withUnsafeBytes { memcpy(raw.baseAddress!, $0.baseAddress!, $0.count) }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        defer { close(listener) }
        #expect(withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } } == 0)
        #expect(listen(listener, 4) == 0)
        #expect(CloseOnExec.acceptNonBlocking(listener) == -1 && errno == EAGAIN)

        let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        #expect(withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) } } == 0)
        let accepted = CloseOnExec.acceptNonBlocking(listener)
        #expect(accepted >= 0)
        defer { close(accepted) }
        #expect(isCloseOnExec(accepted) && isNonBlocking(accepted))
    }
}
