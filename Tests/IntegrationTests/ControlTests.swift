import Foundation
import Testing
import VigilTestSupport

/// The test users `deploy/dev.sh test` creates (as root): a viewer, a clinical owner and an admin.
enum TestUsers {
    static let viewer = "vigil-test-viewer"
    static let clinical = "vigil-test-clinical"
    static let admin = "vigil-test-admin"

    static var available: Bool {
        getuid() == 0 && ([viewer, clinical, admin] as [String]).allSatisfy { name in getpwnam(name) != nil } && getgrnam("vigil") != nil
    }
}

/// A vigild with its control socket where other users can reach it.
final class ControlledDaemon {
    let scratch: Scratch
    let daemon: RunningProcess
    var socket: String { scratch.file("control.sock") }
    var stateDirectory: String { scratch.file("state") }
    /// A copy of `vigil` that every user can run, whatever the permissions of the build folder.
    let vigil: URL

    init() async throws {
        scratch = try Scratch()
        _ = chmod(scratch.path, 0o755)
        let config = try scratch.write("vigil.yaml", """
            state_dir: \(scratch.file("state"))
            control_socket: \(scratch.file("control.sock"))
            models:
              - {name: sepsis-risk, predictions: \(scratch.file("p.jsonl")), outcomes: \(scratch.file("o.jsonl"))}
            """)
        vigil = scratch.url.appendingPathComponent("vigil")
        try FileManager.default.copyItem(at: Binaries.vigil, to: vigil)
        daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        try await daemon.waitForStandardError(containing: "started")
    }

    /// Runs `vigil ARGUMENTS --socket SOCKET` as `user` (nil: as this process, root).
    func run(_ arguments: [String], as user: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        let full = arguments + ["--socket", socket]
        if let user {
            return try await runToCompletion(URL(fileURLWithPath: "/usr/sbin/runuser"), ["-u", user, "--", vigil.path] + full)
        }
        return try await runToCompletion(vigil, full)
    }

    func stop() async throws {
        daemon.signal(SIGTERM)
        _ = try await daemon.waitForExit()
    }
}

struct ControlTests {
    @Test("roles: a viewer cannot pause, a clinical owner can pause and resume but not reload or retrain, root can do all; denials are audited",
          .enabled(if: TestUsers.available, "needs root and the test users that deploy/dev.sh test creates"))
    func roles() async throws {
        let vigild = try await ControlledDaemon()
        // Everyone who can reach the socket may read.
        let status = try await vigild.run(["status", "--json"], as: TestUsers.viewer)
        #expect(status.status == 0, "\(status.stderr)")

        let viewerPause = try await vigild.run(["pause", "sepsis-risk", "--reason", "try"], as: TestUsers.viewer)
        #expect(viewerPause.status == 77)
        #expect(viewerPause.stderr.contains("pause needs the clinical role; vigil-test-viewer has viewer (permission_denied)"))

        let pause = try await vigild.run(["pause", "sepsis-risk", "--reason", "new lactate assay at ED-1"], as: TestUsers.clinical)
        #expect(pause.status == 0, "\(pause.stderr)")
        #expect(pause.stdout.contains("sepsis-risk: paused"))
        let resume = try await vigild.run(["resume", "sepsis-risk", "--reason", "assay recalibrated"], as: TestUsers.clinical)
        #expect(resume.status == 0)
        for command in [["reload"], ["retrain", "sepsis-risk"]] {
            let denied = try await vigild.run(command, as: TestUsers.clinical)
            #expect(denied.status == 77, "\(command): \(denied.stderr)")
            #expect(denied.stderr.contains("needs the admin role"))
        }
        let adminReload = try await vigild.run(["reload"], as: TestUsers.admin)
        #expect(adminReload.status == 0, "\(adminReload.stderr)")
        let rootReload = try await vigild.run(["reload"])
        #expect(rootReload.status == 0)
        let rootPause = try await vigild.run(["pause", "sepsis-risk", "--reason", "drill"])
        #expect(rootPause.status == 0)
        // Retraining is refused while the model is paused, and says why.
        let retrain = try await vigild.run(["retrain", "sepsis-risk"])
        #expect(retrain.status == 1)
        #expect(retrain.stderr.contains("sepsis-risk is paused: retraining is suspended until it is resumed (refused)"))

        let audit = try await vigild.run(["audit", "--json"], as: TestUsers.viewer)
        #expect(audit.status == 0)
        struct Response: Decodable {
            struct Entry: Decodable { var user: String; var role: String; var command: String; var result: String }
            var entries: [Entry]
        }
        let entries = try JSONDecoder().decode(Response.self, from: Data(audit.stdout.utf8)).entries
        let summary = entries.map { "\($0.user) \($0.role) \($0.command) \($0.result)" }
        #expect(summary == [
            "vigil-test-viewer viewer pause denied",
            "vigil-test-clinical clinical pause ok",
            "vigil-test-clinical clinical resume ok",
            "vigil-test-clinical clinical reload denied",
            "vigil-test-clinical clinical retrain denied",
            "vigil-test-admin admin reload ok",
            "root admin reload ok",
            "root admin pause ok",
            "root admin retrain refused",
        ])
        #expect(vigild.daemon.standardError.contains("control: vigil-test-viewer (uid \(getpwnam(TestUsers.viewer)!.pointee.pw_uid)) was refused pause"))
        try await vigild.stop()
    }

    @Test("a pause is durable once acknowledged: vigild killed with SIGKILL right after still has the model paused")
    func pauseSurvivesKill() async throws {
        let vigild = try await ControlledDaemon()
        let pause = try await vigild.run(["pause", "sepsis-risk", "--reason", "suspected drift"])
        #expect(pause.status == 0)
        vigild.daemon.signal(SIGKILL)
        _ = try await vigild.daemon.waitForExit()
        let offline = try await runToCompletion(Binaries.vigil, ["status", "--state-dir", vigild.stateDirectory, "--json"])
        #expect(offline.status == 0)
        #expect(offline.stdout.contains("\"state\" : \"paused\""))
        #expect(offline.stdout.contains("\"state_reason\" : \"suspected drift\""))
    }

    @Test("bad requests get error responses and the audit trail cannot be rewritten")
    func badRequests() async throws {
        let vigild = try await ControlledDaemon()
        let cases: [(String, String)] = [
            ("not json", "invalid_json"),
            ("[1,2]", "invalid_json"),
            (#"{"v":1}"#, "missing_argument"),
            (#"{"v":1,"cmd":"launch"}"#, "unknown_command"),
            (#"{"v":1,"cmd":"pause","model":"sepsis-risk"}"#, "missing_argument"),
            (#"{"v":1,"cmd":"pause","model":"nope","reason":"x"}"#, "unknown_model"),
            (#"{"v":2,"cmd":"status"}"#, "bad_request"),
            (#"{"v":1,"cmd":"status","model":7}"#, "bad_request"),
        ]
        for (request, code) in cases {
            let response = try ControlConnection(path: vigild.socket).exchange(request)
            #expect(response.contains("\"code\":\"\(code)\""), "\(request) -> \(response)")
            #expect(response.contains("\"ok\":false"))
        }
        try await vigild.stop()
        let tamper = try await sqliteShell(vigild.stateDirectory + "/vigil.db", "DELETE FROM audit")
        #expect(tamper.status != 0)
        #expect(tamper.stderr.contains("append-only"))
    }

    @Test("abuse — random bytes, oversized lines, 1,000 silent and half-closed connections — does not stop answers or ingestion")
    func abuse() async throws {
        let vigild = try await ControlledDaemon()
        raiseOwnFileLimit()
        var generator = SplitMix64(seed: 42)
        // Random bytes, then a newline, on a few connections.
        for _ in 0..<20 {
            let connection = try ControlConnection(path: vigild.socket)
            let bytes = (0..<Int(generator.next() % 4_000 + 1)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            connection.write(bytes + [0x0A])
            _ = connection.readLine(timeout: .seconds(5))
        }
        // A line over the limit is refused with request_too_large (this test runs as root, an
        // admin, whose limit is the larger one that leaves room for `register`'s model file).
        let huge = try ControlConnection(path: vigild.socket)
        huge.write([UInt8](repeating: 0x7B, count: 16 * 1024 * 1024 + 1) + [0x0A])  // ControlRequest.maximumAdminLength + 1
        // vigild reads all 16 MiB first: under AddressSanitizer, with the rest of the suite running
        // beside it, one CI run got no answer within 10 s.
        #expect(huge.readLine(timeout: .seconds(60))?.contains("request_too_large") == true)
        // 1,000 connections opened and left silent, some half-closed after a partial line.
        var silent: [ControlConnection] = []
        for index in 0..<1_000 {
            let connection = try ControlConnection(path: vigild.socket)
            if index % 10 == 0 {
                connection.write(Array(#"{"v":1,"cmd":"sta"#.utf8))
                connection.shutdownWrite()
            }
            silent.append(connection)
        }
        // A well-behaved client is still answered promptly, and a complete request on a
        // half-closed connection is answered too.
        let started = ContinuousClock.now
        let answer = try ControlConnection(path: vigild.socket).exchange(#"{"v":1,"cmd":"status"}"#)
        let latency = ContinuousClock.now - started
        #expect(answer.contains("\"ok\":true"))
        print("status answered in \(latency) with 1,000 silent connections open")
        #expect(latency < .seconds(2))
        let halfClosed = try ControlConnection(path: vigild.socket)
        halfClosed.write(Array(#"{"v":1,"cmd":"status"}"#.utf8) + [0x0A])
        halfClosed.shutdownWrite()
        #expect(halfClosed.readLine(timeout: .seconds(5))?.contains("\"ok\":true") == true)
        // Ingestion goes on meanwhile.
        let lines = (0..<100).map { #"{"id":"a-\#($0)","ts":1795000000,"score":0.5,"features":{"age":50}}"# + "\n" }.joined()
        try lines.write(toFile: vigild.scratch.file("p.jsonl"), atomically: false, encoding: .utf8)
        try await StatusJSON.waitFor(stateDirectory: vigild.stateDirectory, timeout: .seconds(30)) { $0.predictions_ingested == 100 }
        #expect(vigild.daemon.isRunning)
        silent.removeAll()
        try await vigild.stop()
    }
}

extension ControlTests {
    @Test("a client that never finishes its request is told so and disconnected after 10 s")
    func silentClientTimesOut() async throws {
        let vigild = try await ControlledDaemon()
        let connection = try ControlConnection(path: vigild.socket)
        connection.write(Array(#"{"v":1,"cmd":"#.utf8))
        let line = connection.readLine(timeout: .seconds(20))
        #expect(line?.contains("\"code\":\"timeout\"") == true)
        #expect(connection.readLine(timeout: .seconds(2)) == nil)
        try await vigild.stop()
    }
}

extension ControlTests {
    @Test("started by socket activation, vigild serves the socket systemd passed it instead of binding its own")
    func socketActivation() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        let activated = scratch.file("activated.sock")
        let log = scratch.file("activator.log")
        // systemd-socket-activate closes every descriptor but the socket before it execs vigild,
        // which confuses Foundation's child tracking; so it runs detached, and is watched by pid.
        let launch = try await runToCompletion(URL(fileURLWithPath: "/bin/sh"), ["-c",
            "setsid /usr/bin/systemd-socket-activate -E VIGIL_LOG_TARGET=stderr -l '\(activated)' '\(Binaries.vigild.path)' --config '\(config)' >'\(log)' 2>&1 & echo $!"])
        let pid = try #require(Int32(launch.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(pid, SIGKILL) }
        try await waitUntil { (try? String(contentsOfFile: log, encoding: .utf8))?.contains("Listening on") == true }
        // The first connection makes systemd-socket-activate start vigild with the socket as fd 3.
        let status = try await runToCompletion(Binaries.vigil, ["status", "--socket", activated, "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("\"sepsis-risk\""))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("state/control.sock")))
        let mode = try FileManager.default.attributesOfItem(atPath: activated)[.posixPermissions] as? Int
        kill(pid, SIGTERM)
        try await waitUntil { (try? String(contentsOfFile: log, encoding: .utf8))?.contains("vigild stopped on SIGTERM") == true }
        // The socket file is systemd's (vigild.socket): vigild neither changed its mode nor removed it on the way out.
        #expect(FileManager.default.fileExists(atPath: activated))
        #expect(try FileManager.default.attributesOfItem(atPath: activated)[.posixPermissions] as? Int == mode)
    }
}

/// A raw client connection, for protocol tests.
final class ControlConnection {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard status == 0 else {
            let error = errno
            close(descriptor)
            throw TestFailure("connect \(path): \(String(cString: strerror(error)))")
        }
    }

    deinit { close(descriptor) }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return }
            offset += count
        }
    }

    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// The next line the daemon sends, or nil when none comes within `timeout`.
    func readLine(timeout: Duration) -> String? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let deadline = ContinuousClock.now + timeout
        while !received.contains(0x0A), ContinuousClock.now < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        guard let newline = received.firstIndex(of: 0x0A) else { return nil }
        return String(decoding: received[..<newline], as: UTF8.self)
    }

    func exchange(_ request: String) throws -> String {
        write(Array(request.utf8) + [0x0A])
        guard let line = readLine(timeout: .seconds(10)) else { throw TestFailure("no response to \(request)") }
        return line
    }
}

/// Polls `condition` every 50 ms until it holds, or fails after `timeout`.
func waitUntil(timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("condition not met within \(timeout)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Lifts this test process's open-file limit, to hold a thousand connections.
func raiseOwnFileLimit() {
    var limit = rlimit()
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    guard getrlimit(resource, &limit) == 0 else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(resource, &limit)
}
