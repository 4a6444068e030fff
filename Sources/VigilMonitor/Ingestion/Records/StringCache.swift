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

/// Makes the `String`s of one line's names and short values through a `StringCache`, with
/// the hashes `RecordReader` uses to find duplicate names.
///
/// A small value (a pointer, a count and the cache) that the parser copies into the function
/// reading an object, so its hot calls pass registers rather than the reader.
struct LineStrings {
    /// The line (only its bytes are read: `base`, `count`, `string(_:)`).
    let line: JSONScanner
    let cache: StringCache

    /// A member name as a `String` (from the cache when it is short and plain) and a hash of
    /// its decoded bytes, for finding duplicate names.
    @inline(__always)
    func nameAndHash(_ token: JSONStringToken) -> (String, UInt64) {
        if !token.hasEscapes && token.byteCount <= StringCache.maximumLength {
            let key = self.key(token)
            let hash = Self.hash(key)
            if let cached = cache.string(key: key, hash: hash) { return (cached, hash) }
            let made = line.string(token)
            cache.store(made, key: key, hash: hash)
            return (made, hash)
        }
        let name = line.string(token)
        return (name, Self.hash(name))
    }

    /// A string value, from the cache when it is short and plain.
    @inline(__always)
    func cachedString(_ token: JSONStringToken) -> String {
        guard !token.hasEscapes && token.byteCount <= StringCache.maximumLength else { return line.string(token) }
        let key = self.key(token)
        let hash = Self.hash(key)
        if let cached = cache.string(key: key, hash: hash) { return cached }
        let made = line.string(token)
        cache.store(made, key: key, hash: hash)
        return made
    }

    /// The bytes of a plain string token of at most 32 bytes, zero-padded, little-endian.
    @inline(__always)
    func key(_ token: JSONStringToken) -> SIMD4<UInt64> {
        SIMD4(lane(token, 0), lane(token, 8), lane(token, 16), lane(token, 24))
    }

    /// Up to 8 bytes of `token` from `offset`, zero-padded, little-endian: one load, also
    /// near the end of the line (where the load ends at the token's last byte and is shifted).
    @inline(__always)
    func lane(_ token: JSONStringToken, _ offset: Int) -> UInt64 {
        let valid = token.byteCount &- offset
        guard valid > 0 else { return 0 }
        let start = token.start &+ offset
        @inline(__always) func load(_ at: Int) -> UInt64 {
            UInt64(littleEndian: line.base.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        }
        if valid >= 8 { return load(start) }  // start + 8 <= token.end < count
        if start &+ 8 <= line.count { return load(start) & ((1 &<< (UInt64(valid) &* 8)) &- 1) }
        let from = start &+ valid &- 8
        if from >= 0 { return load(from) &>> (UInt64(8 &- valid) &* 8) }
        var word: UInt64 = 0
        for i in 0..<valid { word |= UInt64(line.byte(at: start &+ i)) &<< (UInt64(i) &* 8) }
        return word
    }

    /// A hash of up to 32 zero-padded bytes: one multiplication (Fibonacci hashing) after
    /// folding the words, then a shift so the low bits, which pick cache slots and name-table
    /// slots, depend on every input bit.
    @inline(__always)
    static func hash(_ key: SIMD4<UInt64>) -> UInt64 {
        let folded = key[0] ^ (key[1] &<< 1 | key[1] &>> 63) ^ (key[2] &<< 2 | key[2] &>> 62) ^ (key[3] &<< 3 | key[3] &>> 61)
        let h = folded &* 0x9E37_79B9_7F4A_7C15
        return h ^ (h &>> 37)
    }

    /// A hash of a decoded name: the same as `hash(key)` for names of at most 32 bytes, so a
    /// name spelled with and without escapes hashes alike; FNV-1a beyond.
    static func hash(_ name: String) -> UInt64 {
        let bytes = Array(name.utf8)
        if bytes.count <= StringCache.maximumLength {
            var key = SIMD4<UInt64>(repeating: 0)
            for (i, b) in bytes.enumerated() { key[i >> 3] |= UInt64(b) << (UInt64(i & 7) * 8) }
            return hash(key)
        }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }
}
