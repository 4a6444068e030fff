import Testing
@testable import VigilMonitor

/// How a segment's lines are encoded for storage and decoded again.
struct SegmentLinesTests {
    /// Prediction-like lines: the same keys line after line, as logs have them.
    static let lines: [UInt8] = Array((0..<500).map { index in
        #"{"id":"enc-\#(index)","ts":\#(1_700_000_000 + index),"score":0.\#(index % 97),"features":{"age":\#(index % 90),"site":"ED-\#(index % 3)"}}"# + "\n"
    }.joined().utf8)

    @Test("log lines are compressed, and decompress to exactly what they were")
    func roundTrip() throws {
        let stored = SegmentLines.encode(Self.lines)
        #expect(stored.size == Self.lines.count)
        #expect(stored.bytes.count * 3 < Self.lines.count)
        #expect(SegmentLines.decode(stored.bytes, size: stored.size.map(Int64.init)) == Self.lines)
    }

    @Test("bytes that do not compress, and no bytes at all, are stored as they are")
    func storedAsTheyAre() {
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let stored = SegmentLines.encode(noise)
        #expect(stored.size == nil && stored.bytes == noise)
        #expect(SegmentLines.decode(noise, size: nil) == noise)
        let empty = SegmentLines.encode([])
        #expect(empty.size == nil && empty.bytes.isEmpty)
    }

    @Test("a block that is cut short, altered or recorded with another size decodes to nothing")
    func damagedBlocks() {
        let stored = SegmentLines.encode(Self.lines)
        let size = Int64(Self.lines.count)
        #expect(SegmentLines.decode(Array(stored.bytes.prefix(stored.bytes.count / 2)), size: size) == nil)
        #expect(SegmentLines.decode(stored.bytes, size: size - 1) == nil)
        #expect(SegmentLines.decode(stored.bytes, size: size + 1) == nil)
        #expect(SegmentLines.decode(stored.bytes, size: 0) == nil)
        #expect(SegmentLines.decode(stored.bytes, size: -5) == nil)
        #expect(SegmentLines.decode([], size: size) == nil)
        #expect(SegmentLines.decode(stored.bytes, size: Int64(stored.bytes.count) * 256) == nil)   // more than a block can hold
        var altered = stored.bytes
        altered[0] = 0xFF    // the first token now claims more literals than the block holds
        #expect(SegmentLines.decode(altered, size: size) == nil)
    }
}
