import Foundation
import Synchronization

/// A real child process with its stdout and stderr collected as they arrive, in files.
///
/// Files, not pipes: Foundation's pipe readability handlers lost the end of a large output on a
/// busy machine, and their teardown crashed the test process in libdispatch
/// (`_dispatch_event_loop_drain`) now and then. A file is read again whenever it is asked for.
final class RunningProcess: Sendable {
    private let process: Process
    private let directory: URL
    private let stdoutURL: URL
    private let stderrURL: URL
    /// The write end of stdin, when it is kept open (`keepingInputOpen`).
    private let heldInput: FileHandle?

    /// Starts `executable` with `arguments`; `environment` is added to this process's own
    /// (with `VIGIL_LOG_TARGET=stderr`, so that log lines can be read back). `stdin` is written
    /// to its standard input, which is then closed, or with `keepingInputOpen` left open so
    /// that a program reading commands waits for more until it is killed.
    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
         keepingInputOpen: Bool = false) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stdoutURL = directory.appendingPathComponent("stdout")
        stderrURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = childEnvironment(adding: environment)
        let stdout = try FileHandle(forWritingTo: stdoutURL), stderr = try FileHandle(forWritingTo: stderrURL)
        process.standardOutput = stdout
        process.standardError = stderr
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        self.process = process
        heldInput = keepingInputOpen ? input.fileHandleForWriting : nil
        try process.run()
        // The child has its own descriptors for the files now.
        try? stdout.close()
        try? stderr.close()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            if !keepingInputOpen { try input.fileHandleForWriting.close() }
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var standardOutput: String { Self.read(stdoutURL) }
    var standardError: String { Self.read(stderrURL) }

    private static func read(_ url: URL) -> String {
        String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self)
    }

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
        try? FileManager.default.removeItem(at: directory)
    }
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
