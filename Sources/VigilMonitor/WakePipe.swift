import Foundation
import VigilSystemd

/// A non-blocking pipe that lets any thread wake a thread sleeping in `poll`.
struct WakePipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    /// Opens the pipe; both ends are -1 when the system refuses (the sleeper then only times out).
    init() {
        let ends = CloseOnExec.pipe(nonBlocking: true)
        readEnd = ends?.read ?? -1
        writeEnd = ends?.write ?? -1
    }

    /// Wakes the sleeper; safe from any thread.
    func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Sleeps until `wake()` or `timeout`, whichever comes first.
    func wait(timeout: Duration) {
        var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        _ = poll(&descriptor, 1, max(milliseconds, 0))
        drain()
    }

    /// Empties the pipe after a wake-up.
    func drain() {
        guard readEnd >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(readEnd, &buffer, buffer.count) > 0 {}
    }

    func close() {
        if readEnd >= 0 { Foundation.close(readEnd) }
        if writeEnd >= 0 { Foundation.close(writeEnd) }
    }
}

extension DispatchSemaphore {
    /// Waits for the semaphore on a dispatch thread, so that an async caller does not block a
    /// thread of Swift's cooperative pool (used to wait for a worker thread to finish).
    func waitWithoutBlocking() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.wait()
                continuation.resume()
            }
        }
    }
}
