import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real Alertmanager (`/usr/bin/prometheus-alertmanager`) on a loopback port of its own, with
/// a route to a receiver that sends nothing, clustering off, and its state in a temporary
/// directory. It is killed (SIGKILL) and reaped when the test drops it.
public final class AlertmanagerProcess {
    public static let executable = "/usr/bin/prometheus-alertmanager"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    public let port: Int
    /// The base URL to give a notifier: `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }
    private let directory: TemporaryDirectory
    private let process = Process()
    private let logPath: String

    /// Starts Alertmanager on `port`, or on a free one.
    public init(port: Int? = nil) throws {
        directory = try TemporaryDirectory()
        self.port = try port ?? Self.freeLoopbackPort()
        let configPath = directory.file("alertmanager.yml")
        try """
        route:
          receiver: 'null'
        receivers:
          - name: 'null'

        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        logPath = directory.file("alertmanager.log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = [
            "--config.file=\(configPath)",
            "--storage.path=\(directory.file("data"))",
            "--web.listen-address=127.0.0.1:\(self.port)",
            "--cluster.listen-address=",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    deinit { stop() }

    /// What Alertmanager has logged so far, for failure messages.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until `GET /-/ready` answers 200. Each probe gives up after 2 s, so one request
    /// stuck on a loaded machine does not use up the wait; the wait itself is generous, since
    /// it only bounds how long a broken start takes to be reported.
    public func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        var request = URLRequest(url: URL(string: "\(url)/-/ready")!)
        request.timeoutInterval = 2
        var lastProbe = "no answer"
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw AlertmanagerProcessError("Alertmanager exited (status \(process.terminationStatus)) before it was ready:\n\(log)")
            }
            do {
                let (_, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if status == 200 { return }
                lastProbe = "status \(status)"
            } catch {
                lastProbe = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw AlertmanagerProcessError("Alertmanager on port \(port) was not ready within \(timeout) (last probe: \(lastProbe)):\n\(log)")
    }

    /// The alerts Alertmanager lists (`GET /api/v2/alerts`, resolved ones are never listed), as
    /// decoded JSON objects; `active: true` lists only those neither silenced nor inhibited.
    public func alerts(active: Bool? = nil) async throws -> [[String: Any]] {
        let query = active.map { "?active=\($0)" } ?? ""
        let (data, response) = try await URLSession.shared.data(from: URL(string: "\(url)/api/v2/alerts\(query)")!)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw AlertmanagerProcessError("GET /api/v2/alerts answered \(String(describing: (response as? HTTPURLResponse)?.statusCode))")
        }
        guard let alerts = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw AlertmanagerProcessError("GET /api/v2/alerts did not answer a JSON array: \(String(decoding: data, as: UTF8.self))")
        }
        return alerts
    }

    /// Kills Alertmanager and reaps it; later calls do nothing.
    public func stop() {
        guard process.processIdentifier > 0 else { return }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now: bound to port 0, read back, closed.
    public static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw AlertmanagerProcessError("socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else { throw AlertmanagerProcessError("bind 127.0.0.1:0: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct AlertmanagerProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
