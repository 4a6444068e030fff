import Foundation
import Synchronization
import VigilSystemd

/// The control socket: a Unix stream socket speaking one JSON request and one JSON response
/// per line, served by one thread with `poll`, so that no client — silent, slow, hostile or
/// one of a thousand — can hold up another or the daemon.
///
/// The socket is created at `control_socket` with mode 0660 and group `control_group`, or taken
/// from systemd socket activation (`LISTEN_FDS`) when vigild was started that way.
public final class ControlServer: Sendable {
    /// How long a client may take to send a complete request line.
    public static let requestTimeout: Duration = .seconds(10)
    /// Connections beyond this are answered `too_many_connections` and closed.
    public static let maximumConnections = 4_096

    private struct Shared {
        var stopRequested = false
        var config: Config
    }

    public let path: String
    private let listener: Int32
    private let ownsPath: Bool
    private let shared: Mutex<Shared>
    private let wakePipe = WakePipe()
    private let finished = DispatchSemaphore(value: 0)
    private let journal: Journal

    /// Binds the socket (or adopts the activated one).
    ///
    /// - Throws: `ControlServerError` when the socket cannot be created.
    public init(config: Config, journal: Journal) throws(ControlServerError) {
        self.journal = journal
        shared = Mutex(Shared(config: config))
        try Self.checkDirectory(of: config.controlSocket)
        if let activated = SocketActivation.listeningDescriptors().first(where: { SocketActivation.isListeningUnixSocket($0) }) {
            listener = activated
            path = config.controlSocket
            ownsPath = false
        } else {
            listener = try Self.bind(path: config.controlSocket, group: config.controlGroup, journal: journal)
            path = config.controlSocket
            ownsPath = true
        }
        _ = fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK)
    }

    /// Starts serving on its own thread with `handler`'s database connection.
    public func start(databasePath: String, lifecycle: Lifecycle, lifecycleEngine: LifecycleEngine?,
                      reload: @escaping @Sendable () -> ReloadOutcome) throws {
        let handler = try ControlHandler(databasePath: databasePath, config: shared.withLock { $0.config }, journal: journal,
                                         lifecycle: lifecycle, lifecycleEngine: lifecycleEngine, reload: reload)
        // The handler is handed to the server thread and used only there.
        nonisolated(unsafe) let owned = handler
        let thread = Thread { [self] in
            serve(handler: owned)
            finished.signal()
        }
        thread.name = "vigil-control"
        thread.start()
    }

    /// The configuration the next requests are judged by (after a reload).
    public func update(config: Config) {
        shared.withLock { $0.config = config }
        wake()
    }

    /// Stops serving, closes every connection, and removes the socket file it created.
    public func stop() async {
        shared.withLock { $0.stopRequested = true }
        wake()
        await finished.waitWithoutBlocking()
        close(listener)
        wakePipe.close()
        if ownsPath { unlink(path) }
    }

    private func wake() {
        wakePipe.wake()
    }

    // MARK: Socket setup

    /// Refuses a socket whose directory anyone may write to: there another user could replace
    /// the socket with their own and collect the commands (and reasons) that clients send.
    /// The directory itself must not be world-writable, even with the sticky bit; a directory
    /// above it must not be world-writable without the sticky bit (anyone could rename it away).
    static func checkDirectory(of path: String) throws(ControlServerError) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var folder = (absolute as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        var info = stat()
        guard stat(folder, &info) == 0 else { throw .system(path: path, call: "stat \(folder)", errno: errno) }
        if info.st_mode & S_IWOTH != 0 {
            throw .insecureDirectory(path: path, directory: folder, mode: info.st_mode & 0o7777, sticky: info.st_mode & S_ISVTX != 0)
        }
        while folder != "/" && !folder.isEmpty {
            folder = (folder as NSString).deletingLastPathComponent
            guard stat(folder, &info) == 0 else { break }
            if info.st_mode & S_IWOTH != 0 && info.st_mode & S_ISVTX == 0 {
                throw .insecureDirectory(path: path, directory: folder, mode: info.st_mode & 0o7777, sticky: false)
            }
        }
    }

    private static func bind(path: String, group: String, journal: Journal) throws(ControlServerError) -> Int32 {
        // A socket file left by a daemon that died is removed; one that answers is another daemon's.
        if FileManager.default.fileExists(atPath: path) {
            if let probe = try? UnixSocket.connect(path: path, timeout: .milliseconds(200)) {
                close(probe)
                throw .inUse(path: path)
            }
            unlink(path)
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .system(path: path, call: "socket", errno: errno) }
        guard var address = UnixSocket.address(path) else { close(descriptor); throw .pathTooLong(path: path) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { let error = errno; close(descriptor); throw .system(path: path, call: "bind", errno: error) }
        guard chmod(path, 0o660) == 0 else { let error = errno; close(descriptor); throw .system(path: path, call: "chmod", errno: error) }
        if let gid = PeerCredentials.groupID(named: group) {
            if chown(path, uid_t.max, gid) != 0 {
                journal.log(.warning, "control socket \(path): cannot give it to group \(group): \(String(cString: strerror(errno)))",
                            fields: ["VIGIL_SOCKET": path])
            }
        } else {
            journal.log(.warning, "control socket \(path): group \(group) (control_group) does not exist; only the daemon's own group can connect",
                        fields: ["VIGIL_SOCKET": path])
        }
        guard listen(descriptor, 512) == 0 else { let error = errno; close(descriptor); throw .system(path: path, call: "listen", errno: error) }
        return descriptor
    }

    // MARK: The serving thread

    private final class Connection {
        let descriptor: Int32
        let caller: ControlCaller?
        var input: [UInt8] = []
        var output: [UInt8] = []
        var deadline: ContinuousClock.Instant
        var closeAfterWrite = false
        var peerClosed = false

        init(descriptor: Int32, caller: ControlCaller?) {
            self.descriptor = descriptor
            self.caller = caller
            deadline = .now + ControlServer.requestTimeout
        }
    }

    private func serve(handler: ControlHandler) {
        var connections: [Int32: Connection] = [:]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let (stop, config) = shared.withLock { ($0.stopRequested, $0.config) }
            if stop { break }
            handler.config = config

            var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: wakePipe.readEnd, events: Int16(POLLIN), revents: 0)]
            for connection in connections.values {
                var events = Int16(POLLIN)
                if !connection.output.isEmpty { events |= Int16(POLLOUT) }
                if connection.peerClosed { events = connection.output.isEmpty ? 0 : Int16(POLLOUT) }
                descriptors.append(pollfd(fd: connection.descriptor, events: events, revents: 0))
            }
            let nearest = connections.values.map(\.deadline).min()
            let wait = nearest.map { max(.zero, min(.seconds(1), $0 - .now)) } ?? .seconds(1)
            let milliseconds = Int32(wait.components.seconds * 1_000 + wait.components.attoseconds / 1_000_000_000_000_000) + 1
            _ = poll(&descriptors, nfds_t(descriptors.count), milliseconds)

            if descriptors[1].revents != 0 { wakePipe.drain() }
            if descriptors[0].revents & Int16(POLLIN) != 0 { accept(into: &connections, config: config) }

            for entry in descriptors.dropFirst(2) where entry.revents != 0 {
                guard let connection = connections[entry.fd] else { continue }
                if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0, !connection.peerClosed {
                    receive(connection, buffer: &buffer, handler: handler)
                }
                if entry.revents & Int16(POLLOUT) != 0 || !connection.output.isEmpty { send(connection) }
            }

            let now = ContinuousClock.now
            for (descriptor, connection) in connections {
                let done = connection.output.isEmpty && (connection.closeAfterWrite || connection.peerClosed)
                let expired = now >= connection.deadline
                if expired, !done, connection.output.isEmpty {
                    // Best effort: say why before closing.
                    connection.output = Self.line(ControlError(.timeout, "no complete request within \(Self.requestTimeout)").response)
                    send(connection)
                }
                if done || expired {
                    close(descriptor)
                    connections[descriptor] = nil
                }
            }
        }
        for descriptor in connections.keys { close(descriptor) }
    }

    private func accept(into connections: inout [Int32: Connection], config: Config) {
        while true {
            let descriptor = CloseOnExec.acceptNonBlocking(listener)
            guard descriptor >= 0 else { return }
            let caller = (try? PeerCredentials(socket: descriptor)).map { credentials in
                ControlCaller(uid: credentials.uid, user: credentials.userName ?? "uid \(credentials.uid)",
                              role: ControlRole.of(credentials, config: config))
            }
            let connection = Connection(descriptor: descriptor, caller: caller)
            if connections.count >= Self.maximumConnections {
                connection.output = Self.line(ControlError(.tooManyConnections, "vigild is serving \(Self.maximumConnections) connections; try again").response)
                connection.closeAfterWrite = true
                send(connection)
                close(descriptor)
                continue
            }
            connections[descriptor] = connection
        }
    }

    private func receive(_ connection: Connection, buffer: inout [UInt8], handler: ControlHandler) {
        let count = read(connection.descriptor, &buffer, buffer.count)
        if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) {
            connection.peerClosed = true
            return
        }
        guard count > 0, !connection.closeAfterWrite else { return }
        connection.input.append(contentsOf: buffer[0..<count])
        // Admins may send model files (`register`); everyone else's requests are small.
        let limit = connection.caller?.role == .admin ? ControlRequest.maximumAdminLength : ControlRequest.maximumLength
        // Look for a line's end only when one arrived: a long line is not rescanned on every read.
        while buffer[0..<count].contains(0x0A), let newline = connection.input.firstIndex(of: 0x0A) {
            let line = connection.input[..<newline]
            let response: [String: Any]
            if line.count > limit {
                response = ControlError(.requestTooLarge, "requests are at most \(limit) bytes").response
            } else if let caller = connection.caller {
                response = handler.respond(to: line, from: caller)
            } else {
                response = ControlError(.permissionDenied, "the kernel did not say who is connecting").response
            }
            connection.output += Self.line(response)
            connection.input.removeSubrange(...newline)
            connection.deadline = .now + Self.requestTimeout
        }
        if connection.input.count > limit {
            connection.output += Self.line(ControlError(.requestTooLarge, "requests are at most \(limit) bytes").response)
            connection.input = []
            connection.closeAfterWrite = true
        }
    }

    private func send(_ connection: Connection) {
        while !connection.output.isEmpty {
            let written = connection.output.withUnsafeBytes { send_nosignal(connection.descriptor, $0.baseAddress!, $0.count) }
            if written > 0 {
                connection.output.removeFirst(written)
            } else {
                if written < 0, errno != EAGAIN, errno != EINTR {
                    connection.output = []
                    connection.peerClosed = true
                }
                return
            }
        }
    }

    static func line(_ object: [String: Any]) -> [UInt8] {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data(#"{"error":{"code":"failed","message":"could not encode the response"},"ok":false}"#.utf8)
        return Array(data) + [0x0A]
    }
}

/// `send` without SIGPIPE when the client has gone.
private func send_nosignal(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    Foundation.send(descriptor, bytes, count, Int32(MSG_NOSIGNAL))
}

/// Why the control socket could not be set up.
public enum ControlServerError: Error, Sendable, CustomStringConvertible {
    case inUse(path: String)
    case pathTooLong(path: String)
    case system(path: String, call: String, errno: Int32)
    case insecureDirectory(path: String, directory: String, mode: mode_t, sticky: Bool)

    public var description: String {
        switch self {
        case let .insecureDirectory(path, directory, mode, sticky):
            "control socket \(path): refusing to serve it, because its directory \(directory) is writable by every user (mode \(String(mode, radix: 8))\(sticky ? ", sticky" : "")), so another user could put their own socket in its place; use a directory writable only by vigild, such as /run/vigil"
        case .inUse(let path): "control socket \(path) is in use by another process"
        case .pathTooLong(let path): "control socket path \(path) is longer than a Unix socket allows (107 bytes)"
        case let .system(path, call, errno): "control socket \(path): \(call) failed: \(String(cString: strerror(errno)))"
        }
    }
}
