import Foundation
import Testing
import VigilTestSupport
@testable import VigilMonitor

struct LogTailerTests {
    /// Polls `tailer` once and returns the lines and events.
    func poll(_ tailer: LogTailer, budget: Int = 4 << 20) -> (lines: [String], events: [TailEvent]) {
        var lines: [String] = []
        let events = tailer.poll(byteBudget: budget) { line in
            lines.append(String(decoding: line.bytes, as: UTF8.self))
        }
        return (lines, events)
    }

    func numbered(_ range: Range<Int>, prefix: String = "line") -> String {
        range.map { "\(prefix) \($0)\n" }.joined()
    }

    @Test("a file that does not exist yet is waited for, then read from its start")
    func waitsForFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        let tailer = LogTailer(path: path)
        #expect(poll(tailer).lines.isEmpty)
        #expect(!tailer.isOpen)
        try append("a\nb\n", to: path)
        let result = poll(tailer)
        #expect(result.lines == ["a", "b"])
        #expect(result.events == [.opened(path: path, resumedAt: 0)])
        #expect(tailer.checkpoint.offset == 4)
        #expect(tailer.checkpoint.line == 2)
    }

    @Test("a last line without its newline is held back until the newline arrives")
    func partialLine() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append("first\nsec", to: path)
        let tailer = LogTailer(path: path)
        #expect(poll(tailer).lines == ["first"])
        #expect(tailer.checkpoint.offset == 6)
        try append("ond\nthi", to: path)
        #expect(poll(tailer).lines == ["second"])
        try append("rd\n", to: path)
        #expect(poll(tailer).lines == ["third"])
        #expect(tailer.checkpoint.line == 3)
        #expect(tailer.checkpoint.offset == 19)
    }

    @Test("lines longer than the chunk size and a byte budget smaller than the file are read whole and in order")
    func smallChunks() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        let long = String(repeating: "x", count: 5_000)
        try append("\(long)\nshort\n\(long)y\n", to: path)
        let tailer = LogTailer(path: path, chunkSize: 1_024)
        var lines: [String] = []
        for _ in 0..<20 { lines += poll(tailer, budget: 1_024).lines }
        #expect(lines == [long, "short", long + "y"])
    }

    @Test("a line over the maximum length is handed out as an excerpt with its full length, and the next line is intact")
    func overlongLine() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        let huge = String(repeating: "z", count: 3_000)
        try append("ok 1\n\(huge)\nok 2\n", to: path)
        let tailer = LogTailer(path: path, maximumLineLength: 1_000, chunkSize: 512)
        var seen: [(String, Int?)] = []
        for _ in 0..<20 {
            _ = tailer.poll { seen.append((String(decoding: $0.bytes, as: UTF8.self), $0.overlongLength)) }
        }
        #expect(seen.map(\.0) == ["ok 1", String(repeating: "z", count: LogTailer.overlongExcerpt), "ok 2"])
        #expect(seen.map(\.1) == [nil, 3_000, nil])
        #expect(tailer.checkpoint.offset == Int64(5 + 3_001 + 5))
    }

    @Test("rename rotation: the old file is read to its end, including lines written after the new file appeared")
    func renameRotation() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append(numbered(0..<3), to: path)
        let tailer = LogTailer(path: path)
        #expect(poll(tailer).lines.count == 3)

        try FileManager.default.moveItem(atPath: path, toPath: dir.file("p.jsonl.1"))
        #expect(FileManager.default.createFile(atPath: path, contents: nil))   // logrotate's `create`
        try append(numbered(3..<5), to: dir.file("p.jsonl.1"))       // the writer has not reopened yet
        let before = poll(tailer)
        #expect(before.lines == ["line 3", "line 4"])
        #expect(before.events.isEmpty)                                // the new file is still empty

        try append(numbered(5..<7), to: path)                         // the writer reopened
        let after = poll(tailer)
        #expect(after.lines == ["line 5", "line 6"])
        #expect(after.events == [.rotated(path: path, previousLines: 5)])
        #expect(tailer.checkpoint.rotations == 1)
        #expect(tailer.checkpoint.line == 2)
    }

    @Test("files rotated away before the tailer got to them are found beside the path and read in order")
    func missedRotations() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append(numbered(0..<2), to: path)
        let tailer = LogTailer(path: path)
        #expect(poll(tailer).lines == ["line 0", "line 1"])

        try append(numbered(2..<4), to: path)
        try FileManager.default.moveItem(atPath: path, toPath: dir.file("p.jsonl.1"))
        try append(numbered(4..<6), to: path)
        usleep(2_000)
        try FileManager.default.moveItem(atPath: path, toPath: dir.file("p.jsonl.2"))
        try append(numbered(6..<8), to: path)
        usleep(2_000)
        try FileManager.default.moveItem(atPath: path, toPath: dir.file("p.jsonl.3"))
        try append(numbered(8..<10), to: path)

        let result = poll(tailer)
        #expect(result.lines == (2..<10).map { "line \($0)" })
        #expect(result.events == [
            .recoveredRotated(path: dir.file("p.jsonl.2"), lines: 2),
            .recoveredRotated(path: dir.file("p.jsonl.3"), lines: 2),
            .rotated(path: path, previousLines: 4),
        ])
    }

    @Test("copytruncate: a file truncated below the offset is read again from 0 and reported")
    func copyTruncate() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append(numbered(0..<4), to: path)
        let tailer = LogTailer(path: path)
        #expect(poll(tailer).lines.count == 4)
        #expect(truncate(path, 0) == 0)
        try append("after 0\n", to: path)
        let result = poll(tailer)
        #expect(result.lines == ["after 0"])
        #expect(result.events == [.truncated(path: path, lostAfterOffset: 28)])
        #expect(tailer.checkpoint.truncations == 1)
        #expect(tailer.checkpoint.line == 1)
    }

    @Test("a file truncated and refilled past the offset before the next look is caught by its first bytes")
    func truncatedAndRefilled() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append("old a\nold b\n", to: path)
        let tailer = LogTailer(path: path)
        #expect(poll(tailer).lines.count == 2)
        #expect(truncate(path, 0) == 0)
        try append("new 1\nnew 2\nnew 3\n", to: path)
        let result = poll(tailer)
        #expect(result.events.first == .truncated(path: path, lostAfterOffset: 12))
        #expect(result.lines == ["new 1", "new 2", "new 3"])
    }

    @Test("logrotate's copy of a truncated file is never read again when the log is later replaced")
    func copyTruncateCopyIsNotReread() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append(numbered(0..<3), to: path)
        let tailer = LogTailer(path: path)
        #expect(poll(tailer).lines.count == 3)
        try FileManager.default.copyItem(atPath: path, toPath: dir.file("p.jsonl.1"))
        #expect(truncate(path, 0) == 0)
        try append(numbered(3..<5), to: path)
        #expect(poll(tailer).lines == ["line 3", "line 4"])
        // Modification times are coarse: make the copy look as recent as anything, so that
        // only its content can tell that it was read already.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: dir.file("p.jsonl.1"))
        try FileManager.default.removeItem(atPath: path)
        try append(numbered(5..<6), to: path)
        let result = poll(tailer)
        #expect(result.lines == ["line 5"])
        #expect(result.events == [.rotated(path: path, previousLines: 2)])
    }

    @Test("a deleted and recreated file is followed once the new one has data")
    func deleteAndRecreate() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append("a\n", to: path)
        let tailer = LogTailer(path: path)
        #expect(poll(tailer).lines == ["a"])
        try FileManager.default.removeItem(atPath: path)
        #expect(poll(tailer).lines.isEmpty)
        try append("b\n", to: path)
        let result = poll(tailer)
        #expect(result.lines == ["b"])
        #expect(result.events == [.rotated(path: path, previousLines: 1)])
    }

    @Test("a restart from a checkpoint resumes after the last line, with nothing read twice")
    func resumeFromCheckpoint() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append(numbered(0..<3), to: path)
        let first = LogTailer(path: path)
        #expect(poll(first).lines.count == 3)
        let saved = first.checkpoint
        try append(numbered(3..<5), to: path)
        let second = LogTailer(path: path, checkpoint: saved)
        let result = poll(second)
        #expect(result.lines == ["line 3", "line 4"])
        #expect(result.events == [.opened(path: path, resumedAt: saved.offset)])
        #expect(second.checkpoint.line == 5)
    }

    @Test("a file replaced while vigild was stopped is recognised and read from its start")
    func replacedWhileStopped() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append(numbered(0..<3), to: path)
        let first = LogTailer(path: path)
        _ = poll(first)
        let saved = first.checkpoint
        try FileManager.default.removeItem(atPath: path)
        try append("fresh 0\nfresh 1\nfresh 2\nfresh 3\n", to: path)
        let second = LogTailer(path: path, checkpoint: saved)
        let result = poll(second)
        #expect(result.lines == ["fresh 0", "fresh 1", "fresh 2", "fresh 3"])
        #expect(result.events == [.replaced(path: path)])
    }

    @Test("a file rotated while vigild was stopped is finished from the checkpoint before the new one is read")
    func rotatedWhileStopped() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append(numbered(0..<3), to: path)
        let first = LogTailer(path: path)
        _ = poll(first)
        let saved = first.checkpoint
        try append(numbered(3..<5), to: path)
        try FileManager.default.moveItem(atPath: path, toPath: dir.file("p.jsonl-20261129"))
        try append(numbered(5..<6), to: path)
        let second = LogTailer(path: path, checkpoint: saved)
        let result = poll(second)
        #expect(result.lines == ["line 3", "line 4", "line 5"])
        #expect(result.events == [.recoveredRotated(path: dir.file("p.jsonl-20261129"), lines: 5), .replaced(path: path)])
    }

    /// A tailer (256-byte chunks) that read lines 0..<10 of `p.jsonl`, which was then rotated
    /// three times, 100 lines each (`p.jsonl.1` is the file the tailer has open), before lines
    /// 310..<320 reached the live file: lines 10..<320 wait for it.
    func tailerBehindThreeRotations(in dir: TemporaryDirectory) throws -> (path: String, tailer: LogTailer) {
        let path = dir.file("p.jsonl")
        try append(numbered(0..<10), to: path)
        let tailer = LogTailer(path: path, chunkSize: 256)
        #expect(poll(tailer).lines.count == 10)
        for rotation in 1...3 {
            try append(numbered((rotation * 100 - 90)..<(rotation * 100 + 10)), to: path)
            try FileManager.default.moveItem(atPath: path, toPath: dir.file("p.jsonl.\(rotation)"))
            usleep(2_000)
        }
        try append(numbered(310..<320), to: path)
        return (path, tailer)
    }

    @Test("a backlog of rotated files is read within each poll's byte budget, over as many polls as it takes, in order")
    func rotatedBacklogWithinBudget() throws {
        let dir = try TemporaryDirectory()
        let (path, tailer) = try tailerBehindThreeRotations(in: dir)

        var lines: [String] = []
        var events: [TailEvent] = []
        var polls = 0
        while lines.count < 320 - 10, polls < 1_000 {
            let result = poll(tailer, budget: 256)
            // A poll reads chunks until the budget is spent: never more than two chunks' worth here.
            #expect(result.lines.reduce(0) { $0 + $1.utf8.count + 1 } <= 2 * 256 + 16)
            lines += result.lines
            events += result.events
            polls += 1
        }
        #expect(polls >= 300 * 9 / (2 * 256 + 16))
        #expect(lines == (10..<320).map { "line \($0)" })
        #expect(events == [
            .recoveredRotated(path: dir.file("p.jsonl.2"), lines: 100),
            .recoveredRotated(path: dir.file("p.jsonl.3"), lines: 100),
            .rotated(path: path, previousLines: 110),
        ])
        #expect(tailer.checkpoint.rotations == 1)
    }

    @Test("while the tailer is still reading a rotated file, the new file is rotated away too: every file is read in the order it was written")
    func rotationDuringBacklog() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append(numbered(0..<10), to: path)
        let tailer = LogTailer(path: path, chunkSize: 256)
        #expect(poll(tailer).lines.count == 10)
        try append(numbered(10..<110), to: path)
        try FileManager.default.moveItem(atPath: path, toPath: dir.file("p.jsonl.1"))
        try append(numbered(0..<5, prefix: "a"), to: path)
        var lines = poll(tailer, budget: 256).lines
        #expect(lines.count < 100)                                  // still in p.jsonl.1
        // The file that followed it is rotated away, and another after it, before the tailer is done.
        usleep(2_000)
        try FileManager.default.moveItem(atPath: path, toPath: dir.file("p.jsonl.2"))
        try append(numbered(0..<5, prefix: "b"), to: path)
        usleep(2_000)
        try FileManager.default.moveItem(atPath: path, toPath: dir.file("p.jsonl.3"))
        try append(numbered(0..<5, prefix: "c"), to: path)
        for _ in 0..<100 where lines.count < 115 { lines += poll(tailer, budget: 256).lines }
        #expect(lines == (10..<110).map { "line \($0)" } + ["a", "b", "c"].flatMap { prefix in (0..<5).map { "\(prefix) \($0)" } })
    }

    @Test("a restart in the middle of a rotated backlog resumes in the file it was reading, with nothing lost or read twice")
    func restartWithinRotatedBacklog() throws {
        let dir = try TemporaryDirectory()
        let (path, first) = try tailerBehindThreeRotations(in: dir)

        // The first run reads into the second rotated file, then stops (its checkpoint saved).
        var lines: [String] = []
        while lines.count < 150 { lines += poll(first, budget: 256).lines }
        let saved = first.checkpoint
        #expect(lines.count < 200)
        let rotatedSecond = open(dir.file("p.jsonl.2"), O_RDONLY)
        defer { close(rotatedSecond) }
        #expect(saved.identity?.matches(descriptor: rotatedSecond) == true)

        let second = LogTailer(path: path, checkpoint: saved, chunkSize: 256)
        var events: [TailEvent] = []
        for _ in 0..<1_000 where lines.count < 310 {
            let result = poll(second, budget: 256)
            lines += result.lines
            events += result.events
        }
        #expect(lines == (10..<320).map { "line \($0)" })
        #expect(events.last == .replaced(path: path))
        #expect(events.contains(.recoveredRotated(path: dir.file("p.jsonl.3"), lines: 100)))
        #expect(poll(second).lines.isEmpty)
    }

    @Test("a rotated file whose last line has no newline gives that line when the tailer leaves it")
    func unterminatedLineAtRotation() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.jsonl")
        try append("a\nb", to: path)
        let tailer = LogTailer(path: path)
        #expect(poll(tailer).lines == ["a"])
        try FileManager.default.moveItem(atPath: path, toPath: dir.file("p.jsonl.1"))
        try append("c\n", to: path)
        #expect(poll(tailer).lines == ["b", "c"])
    }
}
