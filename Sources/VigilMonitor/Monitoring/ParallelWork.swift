import Foundation
import Synchronization

/// Runs independent pieces of an evaluation on the calling thread and one more, so that a
/// window's subgroups use both cores. The extra thread is created by the caller's thread and
/// so inherits its scheduling priority (the monitor's low one), unlike a shared pool's.
enum ParallelWork {
    /// `body(0) … body(count - 1)`, in index order of the results.
    static func map<Result: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> Result) -> [Result] {
        guard count > 1 else { return (0..<count).map(body) }
        let next = Mutex(0)
        let results = Mutex([Int: Result]())
        let work: @Sendable () -> Void = {
            while true {
                let index = next.withLock { value in
                    defer { value += 1 }
                    return value
                }
                guard index < count else { return }
                let result = body(index)
                results.withLock { $0[index] = result }
            }
        }
        let helperDone = DispatchSemaphore(value: 0)
        let helper = Thread {
            work()
            helperDone.signal()
        }
        helper.name = "vigil-monitor-2"
        helper.start()
        work()
        helperDone.wait()
        return results.withLock { all in (0..<count).map { all[$0]! } }
    }
}
