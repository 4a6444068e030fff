// `vigil-test-logwriter wide DIR COUNT [options]`: COUNT predictions in all, spread round-robin
// over several models with many features each, as fast as it can, for the memory-bound check
// (deploy/memory-bound.sh and the MemoryBoundTests integration test).
//
//   --models N          models m00 ..< mNN (default 10); logs DIR/<model>-p.jsonl and DIR/<model>-o.jsonl
//   --features F        features per prediction (default 50): every third one categorical (c.. with
//                       3 to 12 levels), the others numeric (n.., 2% null)
//   --outcome-every K   one outcome (ts 1 h after its prediction) per K predictions of a model (default 0: none)
//   --rotate-every L    rename a model's prediction log to <log>.<n> and create it anew every L of its lines (default 0: never)
//   --keep R            with --rotate-every: before the n-th rotation, wait (polling) until <log>.<n-R>
//                       is gone, so that a reader deleting the rotated files it has consumed bounds the disk used
//
// A model's prediction i has id "p-i" and ts 1,795,000,000 + i seconds: a million predictions
// per model span 11.6 days, inside a 30-day label horizon, so none expires. At the end
// DIR/counts.tsv gets one line per model: `model predictions outcomes`.
import Foundation

func runWide(_ arguments: [String]) -> Never {
    guard arguments.count >= 2, let count = Int(arguments[1]) else {
        FileHandle.standardError.write(Data("usage: vigil-test-logwriter wide DIR COUNT [--models N] [--features F] [--outcome-every K] [--rotate-every L] [--keep R]\n".utf8))
        exit(64)
    }
    let directory = arguments[0]
    var modelCount = 10
    var featureCount = 50
    var outcomeEvery = 0
    var rotateEvery = 0
    var keep = 0
    var index = 2
    while index + 1 < arguments.count {
        let value = Int(arguments[index + 1]) ?? 0
        switch arguments[index] {
        case "--models": modelCount = max(1, value)
        case "--features": featureCount = max(1, value)
        case "--outcome-every": outcomeEvery = value
        case "--rotate-every": rotateEvery = value
        case "--keep": keep = value
        default:
            FileHandle.standardError.write(Data("wide: unknown option \(arguments[index])\n".utf8))
            exit(64)
        }
        index += 2
    }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let names = (0..<modelCount).map { $0 < 10 ? "m0\($0)" : "m\($0)" }
    var predictionLogs = names.map { LogFile(path: "\(directory)/\($0)-p.jsonl") }
    var outcomeLogs = names.map { LogFile(path: "\(directory)/\($0)-o.jsonl") }
    var written = [Int](repeating: 0, count: modelCount)
    var outcomes = [Int](repeating: 0, count: modelCount)

    // Each feature's JSON key, `"n07":` or `"c08":`, as bytes.
    let keys: [[UInt8]] = (0..<featureCount).map { f in
        Array("\"\(f % 3 == 2 ? "c" : "n")\(f < 10 ? "0" : "")\(f)\":".utf8)
    }
    let sites: [[UInt8]] = ["ED-1", "ED-2", "ED-3"].map { Array($0.utf8) }

    func appendInteger(_ value: Int, to line: inout [UInt8]) {
        if value < 0 { line.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                n += 1
            } while magnitude > 0
            for k in stride(from: n - 1, through: 0, by: -1) { line.append(buffer[k]) }
        }
    }
    /// `value` hundredths as a decimal: 1234 → 12.34.
    func appendHundredths(_ value: Int, to line: inout [UInt8]) {
        if value < 0 { line.append(UInt8(ascii: "-")) }
        let magnitude = abs(value)
        appendInteger(magnitude / 100, to: &line)
        line.append(UInt8(ascii: "."))
        let rest = magnitude % 100
        line.append(UInt8(ascii: "0") + UInt8(rest / 10))
        line.append(UInt8(ascii: "0") + UInt8(rest % 10))
    }

    var line: [UInt8] = []
    line.reserveCapacity(4096)
    for n in 0..<count {
        let m = n % modelCount
        let i = written[m]
        if rotateEvery > 0, i > 0, i % rotateEvery == 0 {
            let next = predictionLogs[m].rotations + 1
            if keep > 0, next - keep >= 1 {
                let old = "\(predictionLogs[m].path).\(next - keep)"
                while access(old, F_OK) == 0 { usleep(100_000) }
            }
            predictionLogs[m].rotate()
        }
        let salt = UInt64(m + 1) &* 7_919
        let key = i &* 31 &+ m
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: "{\"id\":\"p-".utf8)
        appendInteger(i, to: &line)
        line.append(contentsOf: "\",\"ts\":".utf8)
        appendInteger(1_795_000_000 + i, to: &line)
        line.append(contentsOf: ",\"model\":\"".utf8)
        line.append(contentsOf: names[m].utf8)
        line.append(contentsOf: "\",\"version\":\"1\",\"score\":0.".utf8)
        let score = Int(unit(key, salt) * 9_999) + 1
        line.append(UInt8(ascii: "0") + UInt8(score / 1000))
        appendIntegerPadded(score % 1000, to: &line)
        line.append(contentsOf: ",\"features\":{".utf8)
        let site = Int(unit(key, salt &+ 1) * 3)
        for f in 0..<featureCount {
            if f > 0 { line.append(UInt8(ascii: ",")) }
            line.append(contentsOf: keys[f])
            let u = unit(key, salt &+ UInt64(f + 2))
            if f % 3 == 2 {
                let levels = 3 + f % 10
                line.append(UInt8(ascii: "\""))
                line.append(UInt8(ascii: "L"))
                appendInteger(Int(u * Double(levels)), to: &line)
                line.append(UInt8(ascii: "\""))
            } else if u < 0.02 {
                line.append(contentsOf: "null".utf8)
            } else {
                // Spread over a range that depends on the feature: 0.00 to (f + 1) * 100.00.
                appendHundredths(Int(u * Double((f + 1) * 10_000)), to: &line)
            }
        }
        line.append(contentsOf: "},\"attrs\":{\"site\":\"".utf8)
        line.append(contentsOf: sites[site])
        line.append(contentsOf: "\"}}".utf8)
        predictionLogs[m].buffer.append(contentsOf: line)
        predictionLogs[m].buffer.append(0x0A)
        if predictionLogs[m].buffer.count >= 1 << 16 { predictionLogs[m].flush() }
        written[m] += 1
        if outcomeEvery > 0, i % outcomeEvery == 0 {
            outcomeLogs[m].emit("{\"id\":\"p-\(i)\",\"ts\":\(1_795_000_000 + i + 3_600),\"label\":\(unit(key, salt &+ 999) < 0.1 ? 1 : 0)}")
            outcomes[m] += 1
        }
    }
    var counts = ""
    for m in 0..<modelCount {
        predictionLogs[m].flush()
        outcomeLogs[m].flush()
        close(predictionLogs[m].descriptor)
        close(outcomeLogs[m].descriptor)
        counts += "\(names[m])\t\(written[m])\t\(outcomes[m])\n"
    }
    FileManager.default.createFile(atPath: "\(directory)/counts.tsv", contents: Data(counts.utf8))
    exit(0)
}

/// Three digits, zero-padded: 7 → 007.
func appendIntegerPadded(_ value: Int, to line: inout [UInt8]) {
    line.append(UInt8(ascii: "0") + UInt8(value / 100))
    line.append(UInt8(ascii: "0") + UInt8(value / 10 % 10))
    line.append(UInt8(ascii: "0") + UInt8(value % 10))
}
