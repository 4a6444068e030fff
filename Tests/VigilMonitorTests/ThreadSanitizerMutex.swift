#if VIGIL_TSAN_MUTEX
@testable import VigilMonitor

// In the ThreadSanitizer build only (deploy/sanitize.sh thread, -DVIGIL_TSAN_MUTEX): VigilMonitor's
// annotated Mutex (Sources/VigilMonitor/ThreadSanitizerMutex.swift) for this module's own
// recorders too, rather than an ambiguity with Synchronization.Mutex.
typealias Mutex<Value: ~Copyable> = VigilMonitor.Mutex<Value>
#endif
