#if VIGIL_TSAN_MUTEX
import Synchronization

// Only in the ThreadSanitizer build of deploy/sanitize.sh thread, which compiles with
// -DVIGIL_TSAN_MUTEX; every other build uses Synchronization.Mutex itself.
//
// On Linux, Synchronization.Mutex hands a contended lock over through the kernel (a priority-
// inheriting futex), inside libswiftSynchronization, which is not instrumented: ThreadSanitizer
// never sees the hand-over, and reports every access under the lock that two threads make in
// turn as a race (a ten-line program with four threads appending under one Mutex gets three
// "Swift access race" reports). This Mutex, which shadows Synchronization's in this module (and
// in the tests that import it), takes the same lock and tells ThreadSanitizer about it: acquire
// once the lock is held, release before it is let go, on the lock's own address.

@_silgen_name("__tsan_acquire") private func tsanAcquire(_ address: UnsafeRawPointer)
@_silgen_name("__tsan_release") private func tsanRelease(_ address: UnsafeRawPointer)

struct Mutex<Value: ~Copyable>: ~Copyable, @unchecked Sendable {
    private let base: Synchronization.Mutex<Value>

    init(_ initialValue: consuming sending Value) {
        base = Synchronization.Mutex(initialValue)
    }

    borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        // A borrow of the lock, not of the value under it: reading the address is no access that
        // could race, and the lock's storage does not move (it is only ever a `let`).
        let address = withUnsafePointer(to: base) { UnsafeRawPointer($0) }
        return try base.withLock { (value: inout sending Value) throws(E) -> sending Result in
            tsanAcquire(address)
            defer { tsanRelease(address) }
            return try body(&value)
        }
    }
}
#endif
