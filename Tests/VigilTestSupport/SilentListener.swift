import Foundation

/// A TCP listener on 127.0.0.1 that never accepts: connections complete in the kernel's backlog
/// and requests are never answered, like a hung server.
public final class SilentListener {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        (descriptor, port) = try listenOnLoopback()
    }

    deinit { close(descriptor) }
}

/// A listening TCP socket on 127.0.0.1 at a port the kernel picks, and that port.
func listenOnLoopback(backlog: Int32 = 16) throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { throw AlertmanagerProcessError("socket: \(String(cString: strerror(errno)))") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let listening = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
            bind(descriptor, generic, length) == 0 && listen(descriptor, backlog) == 0
                && getsockname(descriptor, generic, &length) == 0
        }
    }
    guard listening else {
        let problem = String(cString: strerror(errno))
        close(descriptor)
        throw AlertmanagerProcessError("listen on 127.0.0.1: \(problem)")
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}
