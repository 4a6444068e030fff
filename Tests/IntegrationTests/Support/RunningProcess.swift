import Foundation
import Synchronization

/// A real child process with its stdout and stderr collected as they arrive.
final class RunningProcess: Sendable {
    private let process: Process
    private let output = OutputBuffer()
    /// The write end of stdin, when it is kept open (`keepingInputOpen`).
    private let heldInput: FileHandle?

    /// Starts `executable` with `arguments`; `environment` is added to this process's own
    /// (with `VIGIL_LOG_TARGET=stderr`, so that log lines can be read back). `stdin` is written
    /// to its standard input, which is then closed, or with `keepingInputOpen` left open so
    /// that a program reading commands waits for more until it is killed.
    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
         keepingInputOpen: Bool = false) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = childEnvironment(adding: environment)
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        self.process = process
        // At end of file the handler would fire forever with no data: stop it there.
        stdout.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                output.markClosed(\.stdoutClosed)
                return
            }
            output.withLock { $0.stdout += String(decoding: data, as: UTF8.self) }
        }
        stderr.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                output.markClosed(\.stderrClosed)
                return
            }
            output.withLock { $0.stderr += String(decoding: data, as: UTF8.self) }
        }
        heldInput = keepingInputOpen ? input.fileHandleForWriting : nil
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            if !keepingInputOpen { try input.fileHandleForWriting.close() }
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var standardOutput: String { output.withLock { $0.stdout } }
    var standardError: String { output.withLock { $0.stderr } }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to exit (at most `timeout`), killing it if it does not; returns its status.
    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestFailure("\(process.executableURL?.lastPathComponent ?? "process") did not exit within \(timeout)")
        }
        process.waitUntilExit()
        // Let the pipes drain: wait for end of file on both (a large output can take a while
        // on a busy machine), for at most a few seconds in case a grandchild holds them open.
        let drained = ContinuousClock.now + .seconds(5)
        while !output.isClosed, ContinuousClock.now < drained {
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    /// Waits until stderr contains `text`.
    func waitForStandardError(containing text: String, timeout: Duration = .seconds(15)) async throws {
        try await waitFor(text, in: "stderr", timeout: timeout) { self.standardError }
    }

    /// Waits until stdout contains `text`.
    func waitForStandardOutput(containing text: String, timeout: Duration = .seconds(15)) async throws {
        try await waitFor(text, in: "stdout", timeout: timeout) { self.standardOutput }
    }

    private func waitFor(_ text: String, in stream: String, timeout: Duration, read: () -> String) async throws {
        let deadline = ContinuousClock.now + timeout
        while !read().contains(text) {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("\(stream) never contained \"\(text)\"; it was:\n\(read())")
            }
            guard process.isRunning else {
                try await Task.sleep(for: .milliseconds(50))
                if read().contains(text) { return }
                throw TestFailure("process exited (status \(process.terminationStatus)) before \(stream) contained \"\(text)\"; it was:\n\(read())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// What a child process has written so far, shared with the pipes' reading threads.
final class OutputBuffer: Sendable {
    private let text = Mutex<(stdout: String, stderr: String)>(("", ""))
    private let closed = Mutex(Closed())

    struct Closed {
        var stdoutClosed = false
        var stderrClosed = false
    }

    func withLock<T>(_ body: (inout (stdout: String, stderr: String)) -> T) -> T {
        text.withLock { body(&$0) }
    }

    /// Records end of file on one of the pipes.
    func markClosed(_ pipe: WritableKeyPath<Closed, Bool>) {
        closed.withLock { $0[keyPath: pipe] = true }
    }

    /// Whether both pipes have reached end of file.
    var isClosed: Bool { closed.withLock { $0.stdoutClosed && $0.stderrClosed } }
}

/// Runs `executable` to completion and returns its status, stdout and stderr.
/// This process's environment with `VIGIL_LOG_TARGET=stderr` and `environment` added, and
/// without systemd's variables unless `environment` sets them (a test's vigild must not talk to
/// the real service manager).
func childEnvironment(adding environment: [String: String]) -> [String: String] {
    var merged = ProcessInfo.processInfo.environment
    merged["VIGIL_LOG_TARGET"] = "stderr"
    for (key, value) in environment { merged[key] = value }
    for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID"] where environment[key] == nil {
        merged[key] = nil
    }
    return merged
}

func runToCompletion(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(20)) async throws -> (status: Int32, stdout: String, stderr: String) {
    // Output goes to files, read once the command has exited: a pipe read through Foundation's
    // readability handler lost the end of a 221 KB output on a busy machine.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let stdoutURL = directory.appendingPathComponent("stdout"), stderrURL = directory.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = childEnvironment(adding: environment)
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
    process.standardError = try FileHandle(forWritingTo: stderrURL)
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
    }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw TestFailure("\(executable.lastPathComponent) did not exit within \(timeout)")
    }
    process.waitUntilExit()
    let stdout = String(decoding: (try? Data(contentsOf: stdoutURL)) ?? Data(), as: UTF8.self)
    let stderr = String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self)
    return (process.terminationStatus, stdout, stderr)
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
