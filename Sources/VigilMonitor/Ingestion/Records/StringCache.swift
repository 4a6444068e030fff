#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The short strings the record parser made recently, keyed by their bytes, one cache per
/// thread.
///
/// Feature names, attribute names and categorical values repeat on every line of a log, and
/// making a `String` (which validates and copies the bytes) costs more than finding the one
/// made for the previous line. The cache is direct-mapped: 1,024 slots, each keyed by a string's
/// first 32 bytes zero-padded; a miss overwrites the slot, so memory stays bounded (about
/// 50 KiB a thread) whatever the logs hold. Only strings of at most 32 bytes without escapes
/// are cached: their zero-padded bytes identify them exactly, because an unescaped JSON string
/// cannot contain a 0x00 byte.
///
/// Each thread has its own cache (POSIX thread-specific data), so no locking is needed and
/// parsing on several threads at once stays correct; a parse call runs start to finish on
/// one thread since it never suspends.
final class StringCache {
    static let slotCount = 1_024
    static let maximumLength = 32

    let keys: UnsafeMutablePointer<SIMD4<UInt64>>
    let strings: UnsafeMutablePointer<String>

    init() {
        keys = .allocate(capacity: Self.slotCount)
        keys.initialize(repeating: SIMD4(repeating: 0), count: Self.slotCount)
        strings = .allocate(capacity: Self.slotCount)
        strings.initialize(repeating: "", count: Self.slotCount)  // the empty string's key is all zero
    }

    deinit {
        strings.deinitialize(count: Self.slotCount)
        strings.deallocate()
        keys.deallocate()
    }

    /// The slot for `hash`.
    @inline(__always)
    static func slot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash & UInt64(slotCount - 1))
    }

    /// The cached string whose zero-padded bytes are `key`, if the slot holds it.
    @inline(__always)
    func string(key: SIMD4<UInt64>, hash: UInt64) -> String? {
        let slot = Self.slot(hash)
        return keys[slot] == key ? strings[slot] : nil
    }

    /// Caches `string`, whose zero-padded bytes are `key`, replacing what its slot held.
    @inline(__always)
    func store(_ string: String, key: SIMD4<UInt64>, hash: UInt64) {
        let slot = Self.slot(hash)
        keys[slot] = key
        strings[slot] = string
    }

    /// The calling thread's cache.
    static var current: StringCache {
        if let stored = pthread_getspecific(threadKey) {
            return Unmanaged<StringCache>.fromOpaque(stored).takeUnretainedValue()
        }
        let cache = StringCache()
        pthread_setspecific(threadKey, Unmanaged.passRetained(cache).toOpaque())
        return cache
    }

    /// The thread-specific-data key; its destructor releases a thread's cache when the thread ends.
    static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { stored in
            #if canImport(Darwin)
            Unmanaged<StringCache>.fromOpaque(stored).release()
            #else
            if let stored { Unmanaged<StringCache>.fromOpaque(stored).release() }
            #endif
        }
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }()
}
