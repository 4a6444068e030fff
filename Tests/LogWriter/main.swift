// vigil-test-logwriter: writes prediction or outcome logs as a serving application would,
// as fast as it can, for the ingestion tests (a separate process, so that vigild races a real writer).
//
//   vigil-test-logwriter predictions PATH COUNT [--rotate-every N] [--model NAME]
//   vigil-test-logwriter outcomes PATH COUNT
//   vigil-test-logwriter scenario DIR COUNT [--shift-from I] [--shift-to J] [--shift-site SITE]
//   vigil-test-logwriter steady DIR [options]   (Steady.swift: at a steady rate, for deploy/soak.sh)
//   vigil-test-logwriter wide DIR COUNT [options]   (Wide.swift: many models and features, for the memory bound)
//
// `scenario` writes DIR/predictions.jsonl, DIR/outcomes.jsonl and DIR/reference.csv (5,000
// rows) for a sepsis-like model with calibrated scores: age, heart_rate, lactate (5% missing),
// site; attrs site and sex. Predictions I ..< J have lactate 1.5 mmol/L higher (at SITE only,
// when given), a covariate shift: the outcome still follows the score.
//
// Prediction i has id "p-i" and ts BASE + i seconds; its outcome comes 6 to 70 hours later
// (fixed per i), and outcome lines are written in order of outcome time.
import Foundation

let base = 1_795_000_000.0
let arguments = CommandLine.arguments
// The two modes with options of their own (Steady.swift, Wide.swift).
if arguments.count >= 2, arguments[1] == "steady" { runSteady(Array(arguments.dropFirst(2))) }
if arguments.count >= 2, arguments[1] == "wide" { runWide(Array(arguments.dropFirst(2))) }
guard arguments.count >= 4, let count = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: vigil-test-logwriter predictions|outcomes PATH COUNT [--rotate-every N] [--model NAME]\n".utf8))
    exit(64)
}
let kind = arguments[1]
let path = arguments[2]
var rotateEvery = 0
var model: String?
var shiftFrom = Int.max
var shiftTo = Int.max
var shiftSite: String?
var index = 4
while index + 1 < arguments.count {
    switch arguments[index] {
    case "--rotate-every": rotateEvery = Int(arguments[index + 1]) ?? 0
    case "--model": model = arguments[index + 1]
    case "--shift-from": shiftFrom = Int(arguments[index + 1]) ?? Int.max
    case "--shift-to": shiftTo = Int(arguments[index + 1]) ?? Int.max
    case "--shift-site": shiftSite = arguments[index + 1]
    default: break
    }
    index += 2
}

/// A deterministic pseudo-random value in [0, 1) for `i` and `salt` (splitmix64).
func unit(_ i: Int, _ salt: UInt64) -> Double {
    var z = UInt64(truncatingIfNeeded: i) &+ salt &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Double(z >> 11) / Double(1 << 53)
}

func outcomeDelay(_ i: Int) -> Double { (6 + 64 * unit(i, 7)) * 3_600 }

/// The log being written: whole lines, in 64 KiB writes, renamed to `<path>.<n>` on rotation.
struct LogFile {
    let path: String
    var descriptor: Int32
    var buffer: [UInt8] = []
    var rotations = 0

    init(path: String) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { perror(path); exit(73) }
        buffer.reserveCapacity(1 << 16)
    }

    mutating func flush() {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 { perror("write"); exit(74) }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func rotate() {
        flush()
        close(descriptor)
        rotations += 1
        if rename(path, "\(path).\(rotations)") != 0 { perror("rename"); exit(74) }
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { perror(path); exit(73) }
    }

    mutating func emit(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }
}

/// A standard normal draw for `i` and `salt` (Box-Muller on two of the values above).
func normal(_ i: Int, _ salt: UInt64) -> Double {
    let u = max(unit(i, salt), 1e-12)
    return (-2 * Foundation.log(u)).squareRoot() * cos(2 * Double.pi * unit(i, salt &+ 1000))
}

/// Row `i` of the scenario: its inputs, score and outcome.
func scenarioRow(_ i: Int, shifted: Bool, onlyAt shiftSite: String? = nil) -> (age: Double, heartRate: Double, lactate: Double?, site: String, sex: String, score: Double, label: Int) {
    let sites = ["ED-1", "ED-2", "ED-3"]
    let site = sites[Int(unit(i, 11) * 3)]
    let sex = unit(i, 12) < 0.5 ? "F" : "M"
    let age = (60 + 15 * normal(i, 13)).rounded()
    let heartRate = (90 + 15 * normal(i, 14)).rounded()
    var lactate: Double? = unit(i, 15) < 0.05 ? nil : ((1.2 + exp(0.5 * normal(i, 16)) - 1) * 10).rounded() / 10
    let shift = shifted && (shiftSite == nil || shiftSite == site)
    if shift, let value = lactate { lactate = value + 1.5 }
    // The outcome model sees the true (unshifted) lactate: the assay changed, the patients did not.
    let trueLactate = (lactate ?? 1.5) - (shift ? 1.5 : 0)
    let logit = -2.4 + 0.06 * (age - 60) + 1.4 * (trueLactate - 1.5) + 0.05 * (heartRate - 90)
    let risk = 1 / (1 + exp(-logit))
    // The model's score uses the logged lactate, so the shift moves scores too.
    let scoreLogit = -2.4 + 0.06 * (age - 60) + 1.4 * ((lactate ?? 1.5) - 1.5) + 0.05 * (heartRate - 90)
    let score = ((1 / (1 + exp(-scoreLogit))) * 10_000).rounded() / 10_000
    return (age, heartRate, lactate, site, sex, score, unit(i, 17) < risk ? 1 : 0)
}

if kind == "scenario" {
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    var reference = "age,heart_rate,lactate,site,sex,score\n"
    for i in 0..<5_000 {
        let row = scenarioRow(10_000_000 + i, shifted: false)
        reference += "\(row.age),\(row.heartRate),\(row.lactate.map { String($0) } ?? ""),\(row.site),\(row.sex),\(row.score)\n"
    }
    FileManager.default.createFile(atPath: path + "/reference.csv", contents: Data(reference.utf8))
    var predictions = LogFile(path: path + "/predictions.jsonl")
    var outcomes: [(ts: Double, line: String)] = []
    for i in 0..<count {
        let row = scenarioRow(i, shifted: i >= shiftFrom && i < shiftTo, onlyAt: shiftSite)
        let ts = base + Double(i) * 60
        let lactate = row.lactate.map { String($0) } ?? "null"
        predictions.emit("{\"id\":\"p-\(i)\",\"ts\":\(Int(ts)),\"version\":\"3\",\"score\":\(row.score),\"features\":{\"age\":\(row.age),\"heart_rate\":\(row.heartRate),\"lactate\":\(lactate),\"site\":\"\(row.site)\"},\"attrs\":{\"site\":\"\(row.site)\",\"sex\":\"\(row.sex)\"}}")
        let outcomeTs = ts + (6 + 64 * unit(i, 18)) * 3_600
        outcomes.append((outcomeTs, "{\"id\":\"p-\(i)\",\"ts\":\(Int(outcomeTs)),\"label\":\(row.label)}"))
    }
    predictions.flush()
    var outcomeLog = LogFile(path: path + "/outcomes.jsonl")
    for outcome in outcomes.sorted(by: { $0.ts < $1.ts }) { outcomeLog.emit(outcome.line) }
    outcomeLog.flush()
    exit(0)
}

var log = LogFile(path: path)
switch kind {
case "predictions":
    let sites = ["ED-1", "ED-2", "ED-3"]
    for i in 0..<count {
        if rotateEvery > 0, i > 0, i % rotateEvery == 0 { log.rotate() }
        let site = sites[i % 3]
        let modelField = model.map { "\"model\":\"\($0)\"," } ?? ""
        let age = 18 + Int(unit(i, 1) * 80)
        let lactate = (unit(i, 2) * 60).rounded() / 10
        let score = (unit(i, 3) * 1_000).rounded() / 1_000
        log.emit("{\"id\":\"p-\(i)\",\"ts\":\(Int(base) + i),\(modelField)\"score\":\(score),\"features\":{\"age\":\(age),\"lactate\":\(lactate),\"site\":\"\(site)\"},\"attrs\":{\"site\":\"\(site)\"}}")
    }
case "outcomes":
    let order = (0..<count).sorted { outcomeDelay($0) + Double($0) < outcomeDelay($1) + Double($1) }
    for i in order {
        let ts = Int(base + Double(i) + outcomeDelay(i))
        log.emit("{\"id\":\"p-\(i)\",\"ts\":\(ts),\"label\":\(unit(i, 4) < 0.08 ? 1 : 0)}")
    }
default:
    FileHandle.standardError.write(Data("unknown kind \(kind)\n".utf8))
    exit(64)
}
log.flush()
close(log.descriptor)
