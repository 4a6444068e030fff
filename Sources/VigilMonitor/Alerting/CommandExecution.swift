import Foundation
import VigilSystemd

/// One run of a program with `posix_spawn`: its standard input written, its output kept up to a
/// limit, its exit waited for, and its whole process group killed when it outlives its time.
///
/// The child starts in a process group of its own, in `/`, with only descriptors 0–2 open, all
/// signals at their defaults and none blocked, so that neither vigild's descriptors nor its signal
/// handling leak into it and a `sleep` it started dies with it. Call `run` from a thread that has
/// SIGPIPE blocked: a child that exits without reading its input must not take vigild down.
struct CommandExecution {
    /// How a run ended.
    enum Ending: Sendable, Equatable {
        case exited(status: Int32)
        case killedBySignal(Int32)
        /// Still running at the timeout: the process group was killed with SIGKILL.
        case timedOut
        /// Still running when the runner stopped (after its grace): killed with SIGKILL.
        case interrupted
        /// `posix_spawn` failed: the program does not exist, is not executable, …
        case notStarted(reason: String)
    }

    struct Outcome: Sendable, Equatable {
        var ending: Ending
        /// The first `outputLimit` bytes of each stream.
        var standardOutput: [UInt8]
        var standardError: [UInt8]

        var succeeded: Bool { ending == .exited(status: 0) }
    }

    /// The program's absolute path.
    let path: String
    /// Its arguments (after `argv[0]`, which is `path`).
    var arguments: [String] = []
    /// `NAME=value` strings: the child's whole environment.
    let environment: [String]
    let input: [UInt8]
    let timeout: Duration
    /// How long a running child may go on once the runner is stopping.
    var stopGrace: Duration = .seconds(2)
    var outputLimit = 64 * 1_024
    /// How long to read the pipes after the child exited: a background grandchild may keep them open.
    var drainAfterExit: Duration = .milliseconds(200)

    /// How many times a start that fails with "Text file busy" is tried again, and how long apart.
    static let busyRetries = 20
    static let busyRetryInterval: Duration = .milliseconds(50)

    /// Runs the program to its end, asking `isStopping` between waits.
    ///
    /// A program that some process still has open for writing cannot be executed (ETXTBSY): an
    /// editor saving the hook, or any process forked while the file was being written, which
    /// holds that descriptor until it execs. That lasts a moment, so the start is tried again for
    /// up to a second before the run counts as not started.
    func run(isStopping: () -> Bool) -> Outcome {
        guard path.hasPrefix("/") else {
            return Outcome(ending: .notStarted(reason: "not an absolute path"), standardOutput: [], standardError: [])
        }
        var busyRetriesLeft = Self.busyRetries
        while true {
            guard let pipes = Pipes() else {
                return Outcome(ending: .notStarted(reason: "cannot create pipes: \(errnoText(errno))"), standardOutput: [], standardError: [])
            }
            let (pid, failure) = spawn(pipes)
            pipes.closeChildEnds()
            if failure == 0 { return supervise(pid, pipes, isStopping: isStopping) }
            pipes.closeParentEnds()
            guard failure == ETXTBSY, busyRetriesLeft > 0, !isStopping() else {
                return Outcome(ending: .notStarted(reason: errnoText(failure)), standardOutput: [], standardError: [])
            }
            busyRetriesLeft -= 1
            Thread.sleep(forTimeInterval: Self.busyRetryInterval.timeInterval)
        }
    }

    // MARK: Starting

    /// Starts the child; returns its pid, or the errno `posix_spawn` failed with (0 on success).
    private func spawn(_ pipes: Pipes) -> (pid: pid_t, failure: Int32) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes.input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, pipes.output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, pipes.error.write, 2)
        if let closeFrom = SpawnExtensions.addCloseFrom { _ = closeFrom(&actions, 3) }
        if let changeDirectory = SpawnExtensions.addChangeDirectory { _ = changeDirectory(&actions, "/") }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        return (pid, result)
    }

    // MARK: Watching

    private func supervise(_ pid: pid_t, _ pipes: Pipes, isStopping: () -> Bool) -> Outcome {
        var deadline = ContinuousClock.now + timeout
        var stopNoticed = false
        var inputDescriptor = pipes.input.write
        var inputOffset = 0
        var streams = [Stream(descriptor: pipes.output.read), Stream(descriptor: pipes.error.read)]
        var waitStatus: Int32?
        var exitedAt: ContinuousClock.Instant?
        var forcedEnding: Ending?
        if input.isEmpty {
            close(inputDescriptor)
            inputDescriptor = -1
        }

        while true {
            if waitStatus == nil {
                var status: Int32 = 0
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid {
                    waitStatus = status
                    exitedAt = .now
                } else if reaped < 0 && errno == ECHILD {
                    // Someone else reaped it (a SIGCHLD handler reaping every child): its status is lost.
                    waitStatus = -1
                    exitedAt = .now
                }
            }
            let now = ContinuousClock.now
            if let exitedAt {
                if streams.allSatisfy(\.isClosed) || now >= exitedAt + drainAfterExit { break }
            } else {
                if !stopNoticed, isStopping() {
                    stopNoticed = true
                    deadline = min(deadline, now + stopGrace)
                }
                if now >= deadline {
                    kill(-pid, SIGKILL)
                    kill(pid, SIGKILL)
                    var status: Int32 = 0
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    forcedEnding = stopNoticed ? .interrupted : .timedOut
                    break
                }
            }

            var descriptors: [pollfd] = []
            if inputDescriptor >= 0 { descriptors.append(pollfd(fd: inputDescriptor, events: Int16(POLLOUT), revents: 0)) }
            for stream in streams where !stream.isClosed {
                descriptors.append(pollfd(fd: stream.descriptor, events: Int16(POLLIN), revents: 0))
            }
            let limit = exitedAt.map { $0 + drainAfterExit } ?? deadline
            // Wake at least every 50 ms to look for the child's exit.
            let wait = min(max(limit - now, .milliseconds(1)), .milliseconds(50))
            _ = poll(&descriptors, nfds_t(descriptors.count), Int32(wait.timeInterval * 1_000 + 0.5))

            for descriptor in descriptors where descriptor.revents != 0 {
                if descriptor.fd == inputDescriptor {
                    if writeInput(inputDescriptor, from: &inputOffset) {
                        close(inputDescriptor)
                        inputDescriptor = -1
                    }
                } else if let index = streams.firstIndex(where: { $0.descriptor == descriptor.fd }) {
                    streams[index].readAvailable(limit: outputLimit)
                }
            }
        }

        if inputDescriptor >= 0 { close(inputDescriptor) }
        for index in streams.indices { streams[index].close() }
        let ending = forcedEnding ?? Self.ending(waitStatus: waitStatus ?? -1)
        return Outcome(ending: ending, standardOutput: streams[0].kept, standardError: streams[1].kept)
    }

    /// Writes what the pipe takes; true when the input is done with (all written, or the child
    /// closed its end).
    private func writeInput(_ descriptor: Int32, from offset: inout Int) -> Bool {
        while offset < input.count {
            let written = input.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && errno == EAGAIN {
                return false
            } else {
                return true  // EPIPE: the child does not read its input
            }
        }
        return true
    }

    /// The ending a `waitpid` status describes (-1: unknown, reaped elsewhere).
    static func ending(waitStatus status: Int32) -> Ending {
        if status == -1 { return .exited(status: -1) }
        let signal = status & 0x7f
        return signal == 0 ? .exited(status: (status >> 8) & 0xff) : .killedBySignal(signal)
    }
}

/// The three pipes between vigild and the child; vigild's ends are non-blocking, and every end
/// is close-on-exec (the child's copies on 0–2 are not).
private struct Pipes {
    struct Pair { var read: Int32; var write: Int32 }
    let input: Pair
    let output: Pair
    let error: Pair

    init?() {
        var made: [Pair] = []
        for _ in 0..<3 {
            guard let ends = CloseOnExec.pipe() else {
                let saved = errno
                made.forEach { Foundation.close($0.read); Foundation.close($0.write) }
                errno = saved
                return nil
            }
            made.append(Pair(read: ends.read, write: ends.write))
        }
        input = made[0]
        output = made[1]
        error = made[2]
        for end in [input.write, output.read, error.read] {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
    }

    func closeChildEnds() {
        for end in [input.read, output.write, error.write] { Foundation.close(end) }
    }

    func closeParentEnds() {
        for end in [input.write, output.read, error.read] { Foundation.close(end) }
    }
}

/// One output stream of the child, read until end of file; the first `limit` bytes are kept.
private struct Stream {
    var descriptor: Int32
    var kept: [UInt8] = []
    var isClosed: Bool { descriptor < 0 }

    init(descriptor: Int32) { self.descriptor = descriptor }

    mutating func readAvailable(limit: Int) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1_024)
        while descriptor >= 0 {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                let room = max(limit - kept.count, 0)
                kept.append(contentsOf: buffer.prefix(min(count, room)))
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && errno == EAGAIN {
                return
            } else {
                close()  // end of file, or an error that will not go away
            }
        }
    }

    mutating func close() {
        guard descriptor >= 0 else { return }
        Foundation.close(descriptor)
        descriptor = -1
    }
}

/// glibc's `posix_spawn` extensions (2.29 and 2.34), which Swift's Glibc module does not export:
/// looked up once at run time, nil where the C library lacks them.
private enum SpawnExtensions {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32

    static let addCloseFrom: CloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    static let addChangeDirectory: ChangeDirectory? = symbol("posix_spawn_file_actions_addchdir_np")

    private static func symbol<T>(_ name: String) -> T? {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: T.self)
    }
}

/// `strerror`'s text for `code`.
private func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
