import ArgumentParser
import Foundation
import VigilMonitor

/// Options every command that talks to the daemon shares.
struct ControlOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The control socket (default: $VIGIL_SOCKET, else control_socket from --config).", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("The configuration file to take the control socket from.", valueName: "file"))
    var config: String = "/etc/vigil/vigil.yaml"

    @Flag(help: "Print the daemon's JSON response.")
    var json = false

    /// Where the daemon's socket is, and how that was decided (for the hint when it is not reachable).
    func socketPath() throws -> (path: String, source: String) {
        if let socket { return (socket, "--socket") }
        if let fromEnvironment = ProcessInfo.processInfo.environment["VIGIL_SOCKET"], !fromEnvironment.isEmpty {
            return (fromEnvironment, "VIGIL_SOCKET")
        }
        do {
            return (try ConfigLoader().load(path: config).controlSocket, "control_socket in \(config)")
        } catch {
            throw CommandFailure(exitCode: ClientExit.unavailable, lines: [
                "cannot tell where vigild's control socket is: \(StartupFailure(error).lines.first ?? "\(error)")",
                "pass --socket PATH, set VIGIL_SOCKET, or point --config at vigild's configuration",
            ])
        }
    }

    /// Sends `request` and returns the daemon's answer when it is `ok`; otherwise fails with
    /// the right exit code (1 failed, 69 not reachable, 77 permission denied).
    func send(_ request: [String: Any]) throws -> [String: Any] {
        let (path, source) = try socketPath()
        let response = try ControlClient.exchange(request, path: path, source: source)
        if json {
            let data = try JSONSerialization.data(withJSONObject: response, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
        guard response["ok"] as? Bool == true else {
            let error = response["error"] as? [String: Any]
            let code = error?["code"] as? String ?? "failed"
            let message = error?["message"] as? String ?? "the daemon gave no reason"
            throw CommandFailure(exitCode: code == "permission_denied" ? ClientExit.permissionDenied : ClientExit.failed,
                                 lines: json ? [] : ["\(message) (\(code))"])
        }
        return response
    }
}

/// The exit codes of commands that talk to the daemon.
enum ClientExit {
    static let failed: Int32 = 1
    static let unavailable: Int32 = 69   // EX_UNAVAILABLE
    static let permissionDenied: Int32 = 77  // EX_NOPERM
}

/// One request, one response, over the control socket.
enum ControlClient {
    static let timeout: Duration = .seconds(30)

    static func exchange(_ request: [String: Any], path: String, source: String) throws -> [String: Any] {
        var request = request
        request["v"] = ControlRequest.protocolVersion
        let descriptor: Int32
        do {
            descriptor = try UnixSocket.connect(path: path, timeout: timeout)
        } catch {
            let reason: String
            switch error.errno {
            case ENOENT: reason = "no socket there"
            case ECONNREFUSED: reason = "nothing is listening"
            case EACCES: reason = "permission denied (are you in vigild's control_group?)"
            default: reason = String(cString: strerror(error.errno))
            }
            throw CommandFailure(exitCode: ClientExit.unavailable, lines: [
                "cannot reach vigild at \(path) (from \(source)): \(reason)",
                "is vigild running? (systemctl status vigild)",
            ])
        }
        defer { close(descriptor) }
        let line = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys]) + Data([0x0A])
        var sent = 0
        while sent < line.count {
            let count = line.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, line.count - sent, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else {
                throw CommandFailure(exitCode: ClientExit.unavailable, lines: ["vigild at \(path) closed the connection: \(String(cString: strerror(errno)))"])
            }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !received.contains(0x0A) {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else {
                throw CommandFailure(exitCode: ClientExit.unavailable, lines: ["vigild at \(path) did not answer"])
            }
            received += buffer[0..<count]
        }
        let answer = received[..<received.firstIndex(of: 0x0A)!]
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any] else {
            throw CommandFailure(exitCode: ClientExit.failed, lines: ["vigild at \(path) sent a response that is not JSON"])
        }
        return object
    }
}

/// ANSI colours, only on a terminal and never with `NO_COLOR` set.
enum Style {
    static let enabled = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true

    static func paint(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    static func state(_ state: String) -> String {
        switch state {
        case "paused": paint(state, "1;33")
        case "active": paint(state, "32")
        default: state
        }
    }
}
