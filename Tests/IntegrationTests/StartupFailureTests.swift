import Foundation
import Testing

/// Every way vigild can fail to start ends in one clear line and a sysexits code, never a stack trace.
struct StartupFailureTests {
    /// Runs vigild on `config` and returns its exit status and stderr lines.
    func start(_ config: String, timeout: Duration = .seconds(20)) async throws -> (status: Int32, lines: [String]) {
        let result = try await runToCompletion(Binaries.vigild, ["--config", config], timeout: timeout)
        return (result.status, result.stderr.split(separator: "\n").map(String.init))
    }

    @Test("a missing configuration file exits 66 naming the file")
    func missingConfig() async throws {
        let result = try await start("/no/such/vigil.yaml")
        #expect(result.status == 66)
        #expect(result.lines == ["vigild: cannot read configuration /no/such/vigil.yaml: no such file"])
    }

    @Test("malformed YAML exits 78 naming the file and line")
    func malformedYAML() async throws {
        let scratch = try Scratch()
        let path = try scratch.write("vigil.yaml", "models: [\n  {name: x\n")
        let result = try await start(path)
        #expect(result.status == 78)
        #expect(result.lines.count == 1)
        #expect(result.lines.first?.hasPrefix("vigild: \(path): YAML syntax error:") == true)
        #expect(result.lines.first?.contains("(line 3)") == true)
    }

    @Test("an invalid configuration exits 78 with each problem")
    func invalidConfig() async throws {
        let scratch = try Scratch()
        let path = try scratch.write("vigil.yaml", "models:\n  - name: x\n")
        let result = try await start(path)
        #expect(result.status == 78)
        #expect(result.lines == [
            "vigild: \(path): models[0].predictions: missing: every model needs predictions (line 2)",
            "vigild: \(path): models[0].outcomes: missing: every model needs outcomes (line 2)",
        ])
    }

    @Test("a state directory that cannot be created exits 73 naming it")
    func stateDirectoryNotWritable() async throws {
        let scratch = try Scratch()
        try scratch.write("a-file", "not a directory")
        let state = scratch.file("a-file/state")
        let path = try scratch.write("vigil.yaml", "state_dir: \(state)\nmodels:\n  - {name: m, predictions: /p, outcomes: /o}\n")
        let result = try await start(path)
        #expect(result.status == 73)
        #expect(result.lines.count == 1)
        #expect(result.lines.first?.hasPrefix("vigild: state directory \(state) is unusable: cannot create it:") == true)
    }

    @Test("a state database from a newer vigil is refused with exit 65")
    func newerDatabase() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        try FileManager.default.createDirectory(atPath: scratch.file("state"), withIntermediateDirectories: true)
        try await sqlite(scratch.file("state/vigil.db"), "PRAGMA user_version = 99;")
        let result = try await start(config)
        #expect(result.status == 65)
        // The supported version grows with each migration; the rest of the line is fixed.
        let line = try #require(result.lines.first)
        #expect(result.lines.count == 1)
        #expect(line.hasPrefix("vigild: database \(scratch.file("state/vigil.db")) has schema version 99, newer than the "))
        #expect(line.hasSuffix(" this vigil supports; upgrade vigil or restore a matching backup"))
    }

    @Test("a state database that is not SQLite is refused with exit 65, never replaced")
    func garbageDatabase() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        try FileManager.default.createDirectory(atPath: scratch.file("state"), withIntermediateDirectories: true)
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try garbage.write(to: URL(fileURLWithPath: scratch.file("state/vigil.db")))
        let result = try await start(config)
        #expect(result.status == 65)
        #expect(result.lines.count == 1)
        #expect(result.lines.first?.contains("is not a valid SQLite database") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.file("state/vigil.db"))) == garbage)
    }

    @Test("a state database cut short, emptied, or deleted beside its log is refused with exit 65 and left as it is")
    func damagedDatabase() async throws {
        // 4,000 predictions: fewer than a window, so no evaluation is under way when vigild is
        // stopped (on a loaded machine a nice-19 evaluation once held a stop past 20 s).
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        let writer = try RunningProcess(Binaries.logWriter, ["predictions", scratch.file("sepsis-risk-p.jsonl"), "4000"])
        #expect(try await writer.waitForExit() == 0)
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        try await daemon.waitForStandardError(containing: "started", timeout: .seconds(60))
        try await StatusJSON.waitFor(stateDirectory: scratch.file("state")) { $0.predictions_ingested == 4_000 }
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(60)) == 0)

        let database = scratch.file("state/vigil.db")
        let good = try Data(contentsOf: URL(fileURLWithPath: database))
        let pageSize = 16_384
        #expect(good.count > 8 * pageSize && good.count % pageSize == 0, "\(good.count) bytes")
        // Two whole pages gone, then part of the last page: SQLite itself does not notice the second.
        for cut in [good.count - 2 * pageSize, good.count - 880] {
            try good.prefix(cut).write(to: URL(fileURLWithPath: database))
            let result = try await start(config, timeout: .seconds(60))
            #expect(result.status == 65)
            #expect(result.lines == ["vigild: database \(database) is truncated: \(cut) bytes where its header records \(good.count); restore a backup, or move it aside to start with no state"])
            #expect(try Data(contentsOf: URL(fileURLWithPath: database)).count == cut)
        }

        try Data().write(to: URL(fileURLWithPath: database))
        let empty = try await start(config, timeout: .seconds(60))
        #expect(empty.status == 65)
        #expect(empty.lines == ["vigild: database \(database) is empty (0 bytes), so its state was lost (vigild never leaves an empty database); restore a backup, or move it aside to start with no state"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)).isEmpty)

        try FileManager.default.removeItem(atPath: database)
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: database + "-wal"))
        let orphaned = try await start(config, timeout: .seconds(60))
        #expect(orphaned.status == 65)
        #expect(orphaned.lines == ["vigild: database \(database) is missing but its write-ahead log \(database)-wal is not; restore the database, or move the log aside to start with no state"])
        #expect(!FileManager.default.fileExists(atPath: database))

        // Restored, it is read again where it left off.
        try FileManager.default.removeItem(atPath: database + "-wal")
        try good.write(to: URL(fileURLWithPath: database))
        let restored = try RunningProcess(Binaries.vigild, ["--config", config])
        try await restored.waitForStandardError(containing: "resuming \(scratch.file("sepsis-risk-p.jsonl")) at byte", timeout: .seconds(60))
        restored.signal(SIGTERM)
        #expect(try await restored.waitForExit(timeout: .seconds(60)) == 0)
        #expect(try #require(try await StatusJSON.read(stateDirectory: scratch.file("state")).models.first).predictions_ingested == 4_000)
    }

    @Test("a control socket in a directory every user may write to is refused with exit 77 before anything is bound")
    func insecureSocketDirectory() async throws {
        let scratch = try Scratch()
        let cases: [(socketDirectory: String, insecure: String, mode: mode_t, shown: String)] = [
            ("open", "open", 0o777, "777"),
            ("sticky", "sticky", 0o1777, "1777, sticky"),
            // A world-writable parent without the sticky bit: anyone could rename the socket's directory away.
            ("shared/vigil", "shared", 0o777, "777"),
        ]
        for (socketDirectory, insecure, mode, shown) in cases {
            try FileManager.default.createDirectory(atPath: scratch.file(socketDirectory), withIntermediateDirectories: true)
            #expect(chmod(scratch.file(insecure), mode) == 0)
            let socket = scratch.file("\(socketDirectory)/control.sock")
            let config = try scratch.write("vigil.yaml", """
                state_dir: \(scratch.file("state"))
                control_socket: \(socket)
                models:
                  - {name: sepsis-risk, predictions: \(scratch.file("p.jsonl")), outcomes: \(scratch.file("o.jsonl"))}
                """)
            let result = try await start(config)
            #expect(result.status == 77)
            #expect(result.lines == ["vigild: control socket \(socket): refusing to serve it, because its directory \(scratch.file(insecure)) is writable by every user (mode \(shown)), so another user could put their own socket in its place; use a directory writable only by vigild, such as /run/vigil"])
            #expect(!FileManager.default.fileExists(atPath: socket))
        }
        // The sticky, world-writable parent of a private directory is fine (as /tmp is).
        #expect(chmod(scratch.file("shared"), 0o1777) == 0)
        #expect(chmod(scratch.file("shared/vigil"), 0o750) == 0)
        let daemon = try RunningProcess(Binaries.vigild, ["--config", scratch.file("vigil.yaml")])
        try await daemon.waitForStandardError(containing: "started")
        #expect(FileManager.default.fileExists(atPath: scratch.file("shared/vigil/control.sock")))
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("a second vigild on the same state directory exits 75 naming the first one's pid")
    func stateDirectoryInUse() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        let first = try RunningProcess(Binaries.vigild, ["--config", config])
        try await first.waitForStandardError(containing: "started")
        let second = try await start(config)
        #expect(second.status == 75)
        #expect(second.lines == ["vigild: state directory \(scratch.file("state")) is in use by another vigild (pid \(first.pid)); stop it first or use another state_dir"])
        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0)
    }

    @Test("a database locked by another process exits 75")
    func databaseLocked() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        try FileManager.default.createDirectory(atPath: scratch.file("state"), withIntermediateDirectories: true)
        try await sqlite(scratch.file("state/vigil.db"), "PRAGMA journal_mode=WAL; CREATE TABLE t(x);")
        // Hold the write lock from a separate sqlite3 process until the test kills it: sqlite3
        // waits for more input inside its transaction. (A fixed 12 s hold once ran out on a
        // loaded CI machine before vigild reached the database; vigild then started normally.)
        let holder = try RunningProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), [scratch.file("state/vigil.db")],
                                        stdin: "BEGIN EXCLUSIVE; INSERT INTO t VALUES (1); SELECT 'locked';\n", keepingInputOpen: true)
        try await holder.waitForStandardOutput(containing: "locked")
        let result = try await start(config)
        #expect(result.status == 75)
        #expect(result.lines.count == 1)
        #expect(result.lines.first?.hasPrefix("vigild: database \(scratch.file("state/vigil.db")) is locked by another process") == true)
        holder.signal(SIGKILL)
        _ = try? await holder.waitForExit()
    }
}

