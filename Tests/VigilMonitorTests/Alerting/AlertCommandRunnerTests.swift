import Foundation
import Testing
import VigilSystemd
import VigilTestSupport
@testable import VigilMonitor

/// The runner with real shell scripts as the alert command.
struct AlertCommandRunnerTests {
    /// A script that acts on `VIGIL_MODEL`: `fail` exits 3 with a message on stderr, `hang` starts a
    /// `sleep 60` and waits for it, `gated*` waits for the file `gate`; every other model has its
    /// stdin, environment and working directory recorded as `<model>.json`, `<model>.env`, `<model>.pwd`.
    func makeScript(in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("alert-hook.sh")
        let dir = directory.path
        try """
        #!/bin/sh
        case "$VIGIL_MODEL" in
        fail)
            echo "cannot reach the pager gateway" >&2
            echo "tried twice"
            exit 3 ;;
        hang)
            sleep 60 &
            echo $! > \(dir)/sleep.pid
            wait
            exit 0 ;;
        gated*)
            echo "$VIGIL_MODEL" >> \(dir)/started.txt
            while [ ! -e \(dir)/gate ]; do sleep 0.02; done
            echo "$VIGIL_MODEL" >> \(dir)/ran.txt
            exit 0 ;;
        esac
        env > \(dir)/$VIGIL_MODEL.env
        pwd > \(dir)/$VIGIL_MODEL.pwd
        while read -r name mask; do case "$name" in SigBlk:|SigIgn:) echo "$name $mask" ;; esac; done < /proc/$$/status > \(dir)/$VIGIL_MODEL.signals
        cat > \(dir)/$VIGIL_MODEL.tmp && mv \(dir)/$VIGIL_MODEL.tmp \(dir)/$VIGIL_MODEL.json

        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test("the command gets the alert as one JSON object on stdin, a minimal environment, / as its directory and default signals")
    func inputAndEnvironment() async throws {
        // vigild ignores SIGHUP, SIGTERM and SIGINT (it takes them from a dispatch source); an ignored
        // signal would stay ignored in the child, and the runner's thread blocks SIGPIPE.
        let previous = signal(SIGHUP, SIG_IGN)
        defer { signal(SIGHUP, previous) }
        let directory = try TemporaryDirectory()
        let runner = AlertCommandRunner(command: try makeScript(in: directory), log: JournalRecorder().log)
        defer { runner.stop() }
        let alert = Alert.lactateDrift(.firing)
        runner.run(alert)
        #expect(await eventually { exists(directory.file("sepsis-risk.json")) })

        let data = try Data(contentsOf: URL(fileURLWithPath: directory.file("sepsis-risk.json")))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["alertname"] as? String == "VigilDrift")
        #expect(object["model"] as? String == "sepsis-risk")
        #expect(object["rule"] as? String == "drift")
        #expect(object["feature"] as? String == "lactate")
        #expect(object["subgroup"] as? String == "site=ED-1")
        #expect(object["status"] as? String == "firing")
        #expect(object["severity"] as? String == "warning")
        #expect(object["version"] as? String == "3")
        #expect(object["value"] as? Double == 0.31)
        #expect(object["threshold"] as? Double == 0.2)
        #expect(object["summary"] as? String == alert.summary)
        #expect(object["description"] as? String == alert.description)
        #expect(object["windowStart"] as? String == "2025-11-28T10:00:00.000Z")
        #expect(object["windowEnd"] as? String == "2025-11-29T10:00:00.000Z")
        #expect(object["startsAt"] as? String == "2025-11-29T10:00:00.000Z")
        #expect(object["endsAt"] is NSNull, "a firing alert has endsAt null")
        #expect(object["check"] is NSNull, "a drift alert has no check")
        #expect(object.count == 17, "\(object.keys.sorted())")

        let environment = Dictionary(uniqueKeysWithValues: lines(directory.file("sepsis-risk.env")).map { line in
            let parts = line.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        })
        #expect(environment["PATH"] == "/usr/bin:/bin")
        #expect(environment["LANG"] == "C.UTF-8")
        #expect(environment["VIGIL_ALERT_STATUS"] == "firing")
        #expect(environment["VIGIL_ALERT_NAME"] == "VigilDrift")
        #expect(environment["VIGIL_MODEL"] == "sepsis-risk")
        #expect(environment["HOME"] == nil)
        // /bin/sh sets PWD itself; nothing else may appear.
        let unexpected = Set(environment.keys).subtracting(["PATH", "LANG", "VIGIL_ALERT_STATUS", "VIGIL_ALERT_NAME", "VIGIL_MODEL", "PWD"])
        #expect(unexpected.isEmpty, "vigild's environment leaked: \(unexpected.sorted())")
        #expect(lines(directory.file("sepsis-risk.pwd")) == ["/"])
        let masks = Dictionary(uniqueKeysWithValues: lines(directory.file("sepsis-risk.signals")).map { line in
            let parts = line.split(separator: " ")
            return (String(parts[0]), UInt64(parts[1], radix: 16) ?? .max)
        })
        #expect(masks["SigBlk:"] == 0, "signals blocked in the command: \(masks)")
        // glibc's posix_spawn leaves its two internal signals (32, 33) ignored; 1-31 must be at their defaults.
        #expect(masks["SigIgn:"].map { $0 & 0x7fff_ffff } == 0, "signals ignored in the command: \(masks)")
    }

    @Test("a failing command is journaled with its exit status, stderr and stdout, and the next alert still runs")
    func failure() async throws {
        let directory = try TemporaryDirectory()
        let recorder = JournalRecorder()
        let command = try makeScript(in: directory)
        let runner = AlertCommandRunner(command: command, log: recorder.log)
        defer { runner.stop() }
        runner.run(.lactateDrift(.firing, model: "fail"))
        runner.run(.lactateDrift(.resolved, model: "after-failure"))
        #expect(await eventually { exists(directory.file("after-failure.json")) })

        let entries = recorder.entries(with: .alertCommandFailed)
        try #require(entries.count == 1, "\(recorder.all.map(\.message))")
        let entry = entries[0]
        #expect(entry.priority == .warning)
        #expect(entry.field("VIGIL_COMMAND") == command)
        #expect(entry.field("VIGIL_FAILURE") == "exit")
        #expect(entry.field("VIGIL_EXIT_STATUS") == "3")
        #expect(entry.field("VIGIL_STDERR") == "cannot reach the pager gateway")
        #expect(entry.field("VIGIL_STDOUT") == "tried twice")
        #expect(entry.field("VIGIL_MODEL") == "fail")
        #expect(entry.message.contains("exited with status 3"))
        #expect(entry.message.hasSuffix(": cannot reach the pager gateway"))
    }

    @Test("a command still running at the timeout is killed with its process group, and the runner goes on")
    func timeout() async throws {
        let directory = try TemporaryDirectory()
        let recorder = JournalRecorder()
        let runner = AlertCommandRunner(command: try makeScript(in: directory), timeout: .seconds(1), log: recorder.log)
        defer { runner.stop() }
        runner.run(.lactateDrift(.firing, model: "hang"))
        runner.run(.lactateDrift(.firing, model: "after-hang"))
        #expect(await eventually { exists(directory.file("after-hang.json")) })

        let entry = try #require(recorder.entries(with: .alertCommandFailed).first)
        #expect(entry.field("VIGIL_FAILURE") == "timeout")
        #expect(entry.field("VIGIL_EXIT_STATUS") == "signal 9")
        #expect(entry.message.contains("was still running after 1 s and was killed"))
        #expect(recorder.entries(with: .alertCommandFailed).count == 1)

        // The script's own child died with it (or is a zombie waiting for init to reap it).
        let sleepPID = try #require(lines(directory.file("sleep.pid")).first.flatMap { Int32($0) })
        #expect(await eventually(timeout: .seconds(5)) { isGone(sleepPID) }, "sleep \(sleepPID) outlived the timeout")
    }

    @Test("a command that cannot be started is journaled, with why", arguments: [
        ("/nonexistent/alert-hook", "No such file or directory"),
        ("alert-hook.sh", "not an absolute path"),
    ])
    func notStarted(command: String, reason: String) async throws {
        let recorder = JournalRecorder()
        let runner = AlertCommandRunner(command: command, log: recorder.log)
        runner.run(.lactateDrift(.firing))
        let entry = try await recorder.waitFor { $0.messageID == MonitorEvent.alertCommandFailed.messageID }
        await runner.stop()
        #expect(entry?.field("VIGIL_FAILURE") == "not_started")
        #expect(entry?.field("VIGIL_EXIT_STATUS") == nil)
        #expect(entry?.message.contains("could not be started: \(reason)") == true, "\(entry?.message ?? "no entry")")
    }

    @Test("a program still open for writing (Text file busy) is started once it is closed, and reported busy if it stays open")
    func busyProgram() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("busy.sh")
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        try #require(descriptor >= 0)
        let script = Array("#!/bin/sh\necho started\n".utf8)
        #expect(script.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == script.count)
        let execution = CommandExecution(path: path, environment: [], input: [], timeout: .seconds(30))

        // Open for writing throughout: every start fails, for about a second, then the run gives up.
        let busy = execution.run { false }
        #expect(busy.ending == .notStarted(reason: "Text file busy"))

        // Closed a moment after the first start failed: a later start succeeds.
        let closed = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            usleep(300_000)
            close(descriptor)
            closed.signal()
        }
        let started = execution.run { false }
        closed.wait()
        #expect(started.ending == .exited(status: 0))
        #expect(String(decoding: started.standardOutput, as: UTF8.self) == "started\n")
    }

    @Test("when the queue is full the oldest alerts are dropped, journaled once")
    func overflow() async throws {
        let directory = try TemporaryDirectory()
        let recorder = JournalRecorder()
        let runner = AlertCommandRunner(command: try makeScript(in: directory), queueCapacity: 2, log: recorder.log)
        defer { runner.stop() }
        // gated-0 runs and waits at the gate; nine more arrive for a queue of two.
        runner.run(.lactateDrift(.firing, model: "gated-0"))
        // Generous waits: the whole suite runs in parallel on two cores, and a fresh-clone CI run
        // once took longer than 15 s to start this shell.
        #expect(await eventually(timeout: .seconds(60)) { lines(directory.file("started.txt")) == ["gated-0"] })
        for index in 1...9 { runner.run(.lactateDrift(.firing, model: "gated-\(index)")) }
        _ = FileManager.default.createFile(atPath: directory.file("gate"), contents: nil)
        #expect(await eventually(timeout: .seconds(60)) { lines(directory.file("ran.txt")).count == 3 })

        #expect(lines(directory.file("ran.txt")) == ["gated-0", "gated-8", "gated-9"])
        let entries = recorder.entries(with: .alertCommandFailed)
        try #require(entries.count == 1, "\(entries.map(\.message))")
        #expect(entries[0].field("VIGIL_FAILURE") == "queue_full")
        #expect(entries[0].field("VIGIL_DROPPED") == "7")
    }

    @Test("stop kills a command still running after the grace and journals the alerts it drops")
    func stop() async throws {
        let directory = try TemporaryDirectory()
        let recorder = JournalRecorder()
        let runner = AlertCommandRunner(command: try makeScript(in: directory), stopGrace: .milliseconds(100), log: recorder.log)
        runner.run(.lactateDrift(.firing, model: "gated-0"))
        // Generous waits: the whole suite runs in parallel on two cores, and a fresh-clone CI run
        // once took longer than 15 s to start this shell.
        #expect(await eventually(timeout: .seconds(60)) { lines(directory.file("started.txt")) == ["gated-0"] })
        runner.run(.lactateDrift(.firing, model: "gated-1"))
        runner.run(.lactateDrift(.firing, model: "gated-2"))
        await runner.stop()
        runner.run(.lactateDrift(.firing, model: "gated-3"))

        let entries = recorder.entries(with: .alertCommandFailed)
        #expect(entries.map { $0.field("VIGIL_FAILURE") } == ["stopping", "stopping"], "\(entries.map(\.message))")
        #expect(entries.first?.field("VIGIL_EXIT_STATUS") == "signal 9")
        #expect(entries.last?.field("VIGIL_DROPPED") == "2")
        #expect(lines(directory.file("started.txt")) == ["gated-0"])
    }
}

/// Whether `pid` no longer runs: gone, or a zombie (its parent was killed and nobody has reaped it yet).
func isGone(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return errno == ESRCH }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    // The state follows the parenthesized command name: "1234 (sleep) Z ...".
    guard let close = stat.lastIndex(of: ")") else { return true }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}
