import Foundation

/// Gives the C library's free memory back to the system after each window evaluation.
///
/// An evaluation builds and drops tens of megabytes (a window's columns, per subgroup, on the
/// monitor thread and its helper). glibc keeps what is freed in the arena of the thread that
/// freed it and returns little of it to the kernel, so vigild's resident size grew by the
/// evaluations' high-water marks of every thread's arena. `malloc_trim(0)` releases the free
/// pages of every arena. It is looked up at run time: a C library without it (musl) does nothing.
enum MemoryRelease {
    private typealias Trim = @convention(c) (Int) -> Int32
    private static let trim: Trim? = dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: Trim.self) }

    static func afterEvaluation() {
        _ = trim?(0)
    }
}
