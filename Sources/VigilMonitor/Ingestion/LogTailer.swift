import Foundation

/// Follows one append-only log file by its path, through rename rotation, copytruncate and
/// replacement, handing out each complete line once.
///
/// - A missing file is waited for.
/// - Rename rotation: the old file is read (by its open descriptor) to its end, then the
///   tailer switches to the new file at the path once the writer has started writing it
///   (the new file is non-empty). Files rotated away before the tailer got to them are
///   found beside the path (`<name>.*`, `<name>-*`) by identity and read in order of
///   modification time.
/// - A file shorter than the read offset, or whose first bytes changed, was truncated in
///   place (copytruncate): reading restarts at 0 and a `truncated` event is reported.
/// - A last line without its newline is held back until the newline arrives (or, for a file
///   rotated away, until the tailer leaves it: the writer is done with it then).
///
/// Files left behind by a rotation are read within each poll's byte budget like the live one,
/// over as many polls as they take, so that a backlog of rotated files never sits in memory
/// at once; the checkpoint names the file being read, and a restart finds it beside the path.
///
/// A tailer is not thread-safe; the ingestion thread owns it.
public final class LogTailer {
    public let path: String
    /// The position just past the last line handed out.
    public private(set) var checkpoint: TailCheckpoint
    /// Lines longer than this are handed out as their first `overlongExcerpt` bytes with their length.
    public let maximumLineLength: Int
    public static let overlongExcerpt = 512

    private var descriptor: Int32 = -1
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    /// Bytes of an overlong line already skipped, with the excerpt kept.
    private var overlong: (excerpt: [UInt8], length: Int)?
    /// Recently left files, so that a sibling scan never reads one twice.
    private var finished: [FileIdentity] = []
    /// Set while the descriptor is a file no longer at the path, being read to its end.
    private var handover: Handover?
    private let chunkSize: Int

    /// A rotated-away file waiting to be read from `offset` (its `line`th line read) to its end.
    private struct RotatedFile {
        var path: String
        var descriptor: Int32
        var offset: Int64
        var line: Int64
    }

    /// The way from files no longer at the path to the file now there.
    private struct Handover {
        /// The file being read, when it is a sibling whose lines are reported as recovered.
        var current: RotatedFile?
        /// Siblings to read after the current file, oldest first.
        var queue: [RotatedFile]
        /// The file now at the path, read once the others are; -1 when the path has none yet.
        var successor: Int32
        /// How the switch to the successor is reported.
        var arrival: Arrival
        /// Set for a live rotation: when the current file ends, its siblings newer than it are
        /// looked for (the writer may have rotated several times since the tailer last looked).
        var scanSiblings = false
        /// The lines read from the file a live rotation left.
        var previousLines: Int64 = 0

        enum Arrival {
            case rotated
            case replaced
        }
    }

    /// - Parameters:
    ///   - checkpoint: where a previous run stopped; reading resumes there when the file at
    ///     `path` (or a rotated sibling) is still that file.
    public init(path: String, checkpoint: TailCheckpoint = TailCheckpoint(), maximumLineLength: Int = 1 << 20, chunkSize: Int = 256 * 1024) {
        self.path = path
        self.checkpoint = checkpoint
        self.maximumLineLength = maximumLineLength
        self.chunkSize = chunkSize
        self.buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if let handover {
            handover.queue.forEach { close($0.descriptor) }
            if handover.successor >= 0 { close(handover.successor) }
        }
    }

    /// Whether the file has been found and is being read.
    public var isOpen: Bool { descriptor >= 0 }

    /// Reads what is available, about `byteBudget` bytes at most (rotated files included),
    /// calling `onLine` for each complete line in order.
    ///
    /// - Returns: what happened to the file meanwhile.
    public func poll(byteBudget: Int = 4 << 20, onLine: (TailLine) -> Void) -> [TailEvent] {
        var events: [TailEvent] = []
        if descriptor < 0 {
            openAtStart(events: &events)
            guard descriptor >= 0 else { return events }
        }
        // Check before reading: a file truncated and refilled past the offset would otherwise
        // hand out the tail of its new content as if it followed the old. A file rotated away
        // is only read to its end.
        if handover == nil { _ = detectTruncation(events: &events) }
        var budget = byteBudget
        while budget > 0 {
            let count = readChunk(onLine: onLine)
            if count > 0 {
                budget -= count
                continue
            }
            if handover != nil {
                leaveRotatedFile(events: &events, onLine: onLine)
                if descriptor < 0 { break }
                continue
            }
            if detectTruncation(events: &events) { continue }
            if followRotation() { continue }
            break
        }
        return events
    }

    // MARK: Opening

    private func openAtStart(events: inout [TailEvent]) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            // Not there (yet). If a previous run was reading a file that has since been rotated
            // away, finish it from where that run stopped.
            if let identity = checkpoint.identity {
                let siblings = rotatedSiblings(after: identity, resumeOffset: checkpoint.offset, newFile: nil)
                if !siblings.isEmpty { beginHandover(Handover(current: nil, queue: siblings, successor: -1, arrival: .replaced), events: &events) }
            }
            return
        }
        guard let saved = checkpoint.identity else {
            adopt(fd, offset: 0, line: 0)
            events.append(.opened(path: path, resumedAt: 0))
            return
        }
        if saved.matches(descriptor: fd) {
            var info = stat()
            fstat(fd, &info)
            if Int64(info.st_size) < checkpoint.offset {
                events.append(.truncated(path: path, lostAfterOffset: checkpoint.offset))
                checkpoint.truncations += 1
                adopt(fd, offset: 0, line: 0)
            } else {
                adopt(fd, offset: checkpoint.offset, line: checkpoint.line)
                events.append(.opened(path: path, resumedAt: checkpoint.offset))
            }
            return
        }
        // Replaced while vigild was stopped: finish the old file if it was rotated beside the
        // path, then read the new one from its start.
        var newInfo = stat()
        fstat(fd, &newInfo)
        let siblings = rotatedSiblings(after: saved, resumeOffset: checkpoint.offset, newFile: newInfo)
        beginHandover(Handover(current: nil, queue: siblings, successor: fd, arrival: .replaced), events: &events)
    }

    private func adopt(_ fd: Int32, offset: Int64, line: Int64) {
        if descriptor >= 0 { close(descriptor) }
        descriptor = fd
        checkpoint.identity = FileIdentity.of(descriptor: fd)
        checkpoint.offset = offset
        checkpoint.line = line
        start = 0
        end = 0
        overlong = nil
    }

    // MARK: Reading lines

    /// The file offset of the next byte to read.
    private var readOffset: Int64 {
        checkpoint.offset + Int64(end - start) + Int64(overlong?.length ?? 0)
    }

    /// Reads one chunk and hands out the complete lines in it; returns the bytes read.
    private func readChunk(onLine: (TailLine) -> Void) -> Int {
        compact()
        if buffer.count - end < chunkSize { buffer.append(contentsOf: repeatElement(0, count: chunkSize - (buffer.count - end))) }
        let count = buffer.withUnsafeMutableBytes { raw in
            pread(descriptor, raw.baseAddress! + end, raw.count - end, off_t(readOffset))
        }
        guard count > 0 else { return 0 }
        end += count
        scanLines(onLine: onLine)
        refreshFingerprint()
        return count
    }

    private func scanLines(onLine: (TailLine) -> Void) {
        buffer.withUnsafeBytes { raw in
            let base = raw.baseAddress!
            while start < end, let found = memchr(base + start, 0x0A, end - start) {
                let length = base.distance(to: UnsafeRawPointer(found)) - start
                deliver(UnsafeRawBufferPointer(start: base + start, count: length), onLine: onLine)
                start += length + 1
            }
        }
        let partial = end - start
        if let skipped = overlong {
            overlong = (skipped.excerpt, skipped.length + partial)
            start = end
        } else if partial > maximumLineLength {
            overlong = (Array(buffer[start..<(start + Self.overlongExcerpt)]), partial)
            start = end
        }
    }

    /// Hands out one line ending at a newline (or, when leaving a file, at its end).
    private func deliver(_ bytes: UnsafeRawBufferPointer, onLine: (TailLine) -> Void) {
        let number = checkpoint.line + 1
        if let skipped = overlong {
            let total = skipped.length + bytes.count
            skipped.excerpt.withUnsafeBytes { onLine(TailLine(bytes: $0, number: number, offset: checkpoint.offset, overlongLength: total)) }
            checkpoint.offset += Int64(total + 1)
            overlong = nil
        } else if bytes.count > maximumLineLength {
            let excerpt = UnsafeRawBufferPointer(rebasing: bytes.prefix(Self.overlongExcerpt))
            onLine(TailLine(bytes: excerpt, number: number, offset: checkpoint.offset, overlongLength: bytes.count))
            checkpoint.offset += Int64(bytes.count + 1)
        } else {
            onLine(TailLine(bytes: bytes, number: number, offset: checkpoint.offset, overlongLength: nil))
            checkpoint.offset += Int64(bytes.count + 1)
        }
        checkpoint.line = number
    }

    /// Hands out a last line that never got its newline, when the tailer leaves its file.
    private func flushUnterminatedLine(onLine: (TailLine) -> Void) {
        guard end > start || overlong != nil else { return }
        let length = end - start
        buffer.withUnsafeBytes { raw in
            deliver(UnsafeRawBufferPointer(start: raw.baseAddress! + start, count: length), onLine: onLine)
        }
        // The line had no newline: the offset counted one that is not there.
        checkpoint.offset -= 1
        start = end
    }

    private func compact() {
        guard start > 0 else { return }
        let remaining = end - start
        if remaining > 0 {
            buffer.withUnsafeMutableBytes { raw in
                let base = raw.baseAddress!
                memmove(base, base + start, remaining)
            }
        }
        start = 0
        end = remaining
        if remaining == 0, buffer.count > chunkSize * 4 { buffer = [UInt8](repeating: 0, count: chunkSize) }
    }

    /// Extends the identity's fingerprint while the file is still shorter than the fingerprinted prefix.
    private func refreshFingerprint() {
        guard var identity = checkpoint.identity, identity.fingerprintLength < FileIdentity.fingerprintBytes,
              readOffset > Int64(identity.fingerprintLength) else { return }
        let length = Int(min(readOffset, Int64(FileIdentity.fingerprintBytes)))
        if let fingerprint = FileIdentity.fingerprint(of: descriptor, length: length) {
            identity.fingerprint = fingerprint
            identity.fingerprintLength = length
            checkpoint.identity = identity
        }
    }

    // MARK: Truncation and rotation

    /// At the end of the data: a file now shorter than what was read, or whose first bytes
    /// changed, was truncated in place. Restarts at 0.
    private func detectTruncation(events: inout [TailEvent]) -> Bool {
        var info = stat()
        guard fstat(descriptor, &info) == 0, let identity = checkpoint.identity else { return false }
        let shrank = Int64(info.st_size) < readOffset
        guard shrank || !identity.matches(descriptor: descriptor) else { return false }
        events.append(.truncated(path: path, lostAfterOffset: readOffset))
        checkpoint.truncations += 1
        // Its old content may reappear beside the path as logrotate's copy: never read it again.
        remember(identity)
        let fd = descriptor
        descriptor = -1
        adopt(fd, offset: 0, line: 0)
        return true
    }

    /// At the end of the data: when another file has taken the path and its writer has begun
    /// writing it, goes on reading the old file to its end (whatever the writer wrote to it is
    /// there now), then any file rotated away in between, then the new one.
    private func followRotation() -> Bool {
        var pathInfo = stat()
        guard stat(path, &pathInfo) == 0, let identity = checkpoint.identity,
              !identity.sameInode(as: pathInfo), pathInfo.st_size > 0 else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        handover = Handover(current: nil, queue: [], successor: fd, arrival: .rotated, scanSiblings: true)
        return true
    }

    /// At the end of a file no longer at the path: hands out its unterminated last line, then
    /// moves on to the next rotated file, or to the file now at the path.
    private func leaveRotatedFile(events: inout [TailEvent], onLine: (TailLine) -> Void) {
        guard var next = handover else { return }
        flushUnterminatedLine(onLine: onLine)
        if let current = next.current, checkpoint.line != current.line {
            events.append(.recoveredRotated(path: current.path, lines: checkpoint.line))
        }
        next.current = nil
        if let identity = checkpoint.identity {
            remember(identity)
            if next.scanSiblings {
                next.previousLines = checkpoint.line
                var oldInfo = stat()
                fstat(descriptor, &oldInfo)
                var newInfo = stat()
                fstat(next.successor, &newInfo)
                next.queue = rotatedSiblings(after: identity, resumeOffset: nil, newFile: newInfo, newerThan: oldInfo.st_mtim)
                next.scanSiblings = false
            }
        }
        close(descriptor)
        descriptor = -1
        beginHandover(next, events: &events)
    }

    /// Reads the next file of `next`: its first queued sibling, or else the file now at the path.
    private func beginHandover(_ next: Handover, events: inout [TailEvent]) {
        var next = next
        if !next.queue.isEmpty {
            let file = next.queue.removeFirst()
            next.current = file
            handover = next
            adopt(file.descriptor, offset: file.offset, line: file.line)
            return
        }
        handover = nil
        guard next.successor >= 0 else { return }
        switch next.arrival {
        case .rotated: events.append(.rotated(path: path, previousLines: next.previousLines))
        case .replaced: events.append(.replaced(path: path))
        }
        checkpoint.rotations += 1
        adopt(next.successor, offset: 0, line: 0)
    }

    /// The files beside the path that were rotated away before the tailer got to them, oldest
    /// first, each open and with the offset to read it from.
    ///
    /// - Parameters:
    ///   - identity: the file being left; with `resumeOffset` it is itself looked for (after a
    ///     restart) and read from that offset first.
    ///   - newFile: the file now at the path, never a sibling.
    ///   - newerThan: only siblings modified at or after this time count (older ones are archives already read).
    private func rotatedSiblings(after identity: FileIdentity, resumeOffset: Int64?, newFile: stat?,
                                 newerThan: timespec? = nil) -> [RotatedFile] {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else { return [] }
        var candidates: [(path: String, info: stat, fd: Int32)] = []
        var resumeFile: (path: String, fd: Int32)?
        for name in names where name != base && (name.hasPrefix(base + ".") || name.hasPrefix(base + "-")) {
            let siblingPath = (directory as NSString).appendingPathComponent(name)
            let fd = open(siblingPath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { close(fd); continue }
            if let newFile, info.st_dev == newFile.st_dev, info.st_ino == newFile.st_ino { close(fd); continue }
            if resumeOffset != nil, resumeFile == nil, identity.matches(descriptor: fd) {
                resumeFile = (siblingPath, fd)
                continue
            }
            // Already read: the file being left, a file left before, or a copy of either's content.
            if identity.sameInode(as: info) || identity.contentMatches(descriptor: fd)
                || finished.contains(where: { $0.contentMatches(descriptor: fd) }) {
                close(fd); continue
            }
            let floor = newerThan ?? resumeFile.map { _ in timespec(tv_sec: 0, tv_nsec: 0) }
            if let floor, Self.isEarlier(info.st_mtim, than: floor) { close(fd); continue }
            candidates.append((siblingPath, info, fd))
        }
        var files: [RotatedFile] = []
        if let resumeFile {
            files.append(RotatedFile(path: resumeFile.path, descriptor: resumeFile.fd, offset: resumeOffset ?? 0, line: checkpoint.line))
            var resumedInfo = stat()
            fstat(resumeFile.fd, &resumedInfo)
            candidates.removeAll { candidate in
                let older = Self.isEarlier(candidate.info.st_mtim, than: resumedInfo.st_mtim)
                if older { close(candidate.fd) }
                return older
            }
        } else if newerThan == nil {
            // After a restart without finding the checkpointed file, other siblings cannot be ordered safely.
            candidates.forEach { close($0.fd) }
            candidates = []
        }
        candidates.sort { Self.isEarlier($0.info.st_mtim, than: $1.info.st_mtim) }
        return files + candidates.map { RotatedFile(path: $0.path, descriptor: $0.fd, offset: 0, line: 0) }
    }

    private func remember(_ identity: FileIdentity) {
        finished.append(identity)
        if finished.count > 64 { finished.removeFirst(finished.count - 64) }
    }

    private static func isEarlier(_ a: timespec, than b: timespec) -> Bool {
        a.tv_sec != b.tv_sec ? a.tv_sec < b.tv_sec : a.tv_nsec < b.tv_nsec
    }
}
