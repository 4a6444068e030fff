// Parse-only benchmark: RecordParser.parsePrediction over every line of a JSON Lines file.
//
// The file is read into memory first (not timed); then each line is split on '\n' and parsed,
// and the parsed records are checked (score sum, feature count) so the work cannot be
// optimised away. Prints lines/s, MB/s and peak RSS (VmHWM from /proc/self/status).
//
// Usage: IngestBench FILE [--mode record|tree] [--repeat N]
#if canImport(Glibc)
import Glibc
#endif
import VigilMonitor

/// Prints `message` on standard error and exits with `code` (sysexits).
func fail(_ message: String, _ code: Int32) -> Never {
    let text = Array((message + "\n").utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(code)
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// VmHWM (peak resident set size) in KiB, from /proc/self/status.
func peakResidentKiB() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return -1 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("VmHWM:") {
            return Int(text.dropFirst(6).filter(\.isNumber)) ?? -1
        }
    }
    return -1
}

func readWholeFile(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "rb") else {
        fail("IngestBench: cannot open \(path)", 66)
    }
    defer { fclose(file) }
    fseek(file, 0, SEEK_END)
    let size = ftell(file)
    fseek(file, 0, SEEK_SET)
    var bytes = [UInt8](repeating: 0, count: size)
    let read = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, size, file) }
    guard read == size else {
        fail("IngestBench: short read of \(path)", 74)
    }
    return bytes
}

var arguments = Array(CommandLine.arguments.dropFirst())
var mode = "record"
var repeats = 1
if let index = arguments.firstIndex(of: "--mode") {
    mode = arguments[index + 1]
    arguments.removeSubrange(index...(index + 1))
}
if let index = arguments.firstIndex(of: "--repeat") {
    repeats = Int(arguments[index + 1]) ?? 1
    arguments.removeSubrange(index...(index + 1))
}
guard let path = arguments.first else {
    fail("usage: IngestBench FILE [--mode record|tree] [--repeat N]", 64)
}

let data = readWholeFile(path)
var best = Double.infinity
var lines = 0
var accepted = 0
var quarantined: [String: Int] = [:]
var checksum = 0.0
var featureCount = 0

for _ in 0..<repeats {
    lines = 0
    accepted = 0
    quarantined = [:]
    checksum = 0
    featureCount = 0
    let started = monotonicSeconds()
    data.withUnsafeBytes { buffer in
        let base = buffer.baseAddress!
        var start = 0
        let end = buffer.count
        while start < end {
            let newline = memchr(base + start, 0x0A, end - start)
            let stop = newline.map { UnsafeRawPointer($0) - base } ?? end
            let line = UnsafeRawBufferPointer(start: base + start, count: stop - start)
            lines += 1
            if mode == "tree" {
                if case .object(let members) = try? JSONValue.parse(line) {
                    accepted += 1
                    featureCount += members.count
                }
            } else {
                switch RecordParser.parsePrediction(line) {
                case .success(let record):
                    accepted += 1
                    checksum += record.score
                    featureCount += record.features.count
                case .failure(let reason):
                    quarantined[reason.code.rawValue, default: 0] += 1
                }
            }
            start = stop + 1
        }
    }
    best = min(best, monotonicSeconds() - started)
}

let megabytes = Double(data.count) / 1e6
print("mode: \(mode)  file: \(path)")
print("lines: \(lines)  accepted: \(accepted)  quarantined: \(quarantined)  bytes: \(data.count)")
print("checksum: score sum \(checksum), features \(featureCount)")
print("best of \(repeats): \(best) s")
print("lines/s: \(Int(Double(lines) / best))")
print("MB/s: \(Int(megabytes / best))")
print("peak RSS (VmHWM): \(peakResidentKiB()) KiB")
