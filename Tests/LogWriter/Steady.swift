// `vigil-test-logwriter steady DIR [options]`: predictions and, later, their outcomes for several
// models at a steady rate on the wall clock, with rename rotation (logrotate's `create`), until
// DIR/stop appears (or --duration runs out). For deploy/soak.sh.
//
//   --models a,b,c         model names (default m0,m1,m2); logs DIR/<model>-p.jsonl, DIR/<model>-o.jsonl
//   --rate N               predictions per second per model (default 100)
//   --rotate-seconds S     rename every log to <log>.<n> and create it anew every S seconds (default 30; 0: never)
//   --shift-period S       alternate S seconds stable, S seconds shifted (default 120; 0: never shifted)
//   --outcome-share F      share of predictions that get an outcome (default 0.8)
//   --outcome-delay A:B    an outcome is written A to B seconds (wall time) after its prediction (default 2:20)
//   --bad-every N          after every N-th prediction, one line with a score of 1.7 (quarantined; default 0: none)
//   --duration S           stop by itself after S seconds (default: only when DIR/stop appears)
//
// In the shifted phase the first model's lactate is 3 higher everywhere, the second's lactate is
// 3 higher at site ED-1 only, and the third's outcomes are drawn from 1 - score (its AUROC
// collapses); further models are never shifted. Prediction ts is the wall time it is written at,
// an outcome's ts the wall time it is written at.
//
// Every second, and at the end, DIR/counts.tsv is replaced (write, then rename) with one line per
// model: `model predictions outcomes bad rotations`, the lines written and flushed so far. On
// stop, the outcomes still waiting are written at once, the counts written, then DIR/done created.
import Foundation

func runSteady(_ arguments: [String]) -> Never {
    guard let directory = arguments.first else {
        FileHandle.standardError.write(Data("usage: vigil-test-logwriter steady DIR [--models a,b] [--rate N] [--rotate-seconds S] [--shift-period S] [--outcome-share F] [--outcome-delay A:B] [--bad-every N] [--duration S]\n".utf8))
        exit(64)
    }
    var models = ["m0", "m1", "m2"]
    var rate = 100.0
    var rotateSeconds = 30.0
    var shiftPeriod = 120.0
    var outcomeShare = 0.8
    var delay = (2.0, 20.0)
    var badEvery = 0
    var duration = Double.infinity
    var index = 1
    while index + 1 < arguments.count {
        let value = arguments[index + 1]
        switch arguments[index] {
        case "--models": models = value.split(separator: ",").map(String.init)
        case "--rate": rate = Double(value) ?? rate
        case "--rotate-seconds": rotateSeconds = Double(value) ?? rotateSeconds
        case "--shift-period": shiftPeriod = Double(value) ?? shiftPeriod
        case "--outcome-share": outcomeShare = Double(value) ?? outcomeShare
        case "--outcome-delay":
            let parts = value.split(separator: ":").compactMap { Double($0) }
            if parts.count == 2 { delay = (parts[0], parts[1]) }
        case "--bad-every": badEvery = Int(value) ?? 0
        case "--duration": duration = Double(value) ?? duration
        default:
            FileHandle.standardError.write(Data("steady: unknown option \(arguments[index])\n".utf8))
            exit(64)
        }
        index += 2
    }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

    struct Stream {
        var name: String
        var predictions: LogFile
        var outcomes: LogFile
        var written = 0
        var outcomesWritten = 0
        var bad = 0
        /// Outcomes not yet due: (due wall time, id, label).
        var waiting: [(due: Double, id: Int, label: Int)] = []
    }
    var streams = models.map { name in
        Stream(name: name, predictions: LogFile(path: "\(directory)/\(name)-p.jsonl"),
               outcomes: LogFile(path: "\(directory)/\(name)-o.jsonl"))
    }

    func now() -> Double { Date().timeIntervalSince1970 }
    func timestamp(_ seconds: Double) -> String {
        var whole = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&whole, &parts)
        let millis = min(999, Int((seconds - seconds.rounded(.down)) * 1000))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
    func writeCounts() {
        var text = ""
        for stream in streams {
            text += "\(stream.name)\t\(stream.written)\t\(stream.outcomesWritten)\t\(stream.bad)\t\(stream.predictions.rotations)\n"
        }
        let temporary = "\(directory)/counts.tsv.tmp"
        FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8))
        _ = rename(temporary, "\(directory)/counts.tsv")
    }

    let start = now()
    var lastRotation = start
    var lastCounts = start
    let sites = ["ED-1", "ED-2", "ED-3"]
    var stopping = false
    while !stopping {
        let time = now()
        stopping = time - start >= duration || access("\(directory)/stop", F_OK) == 0
        let shifted = shiftPeriod > 0 && Int((time - start) / shiftPeriod) % 2 == 1
        if rotateSeconds > 0, time - lastRotation >= rotateSeconds, !stopping {
            for m in streams.indices {
                streams[m].predictions.rotate()
                streams[m].outcomes.rotate()
            }
            lastRotation = time
        }
        let target = stopping ? -1 : Int((time - start) * rate)
        for m in streams.indices {
            // Predictions due by now.
            while streams[m].written < target {
                let i = streams[m].written
                let salt = UInt64(m + 1) &* 1_000
                let site = sites[Int(unit(i, salt + 1) * 3)]
                let age = (60 + 15 * normal(i, salt + 2)).rounded()
                let heartRate = (90 + 15 * normal(i, salt + 3)).rounded()
                let z = normal(i, salt + 4)
                var lactate = ((2 + z) * 10).rounded() / 10
                let logit = -1.2 + 1.6 * z + 0.04 * (age - 60) + 0.02 * (heartRate - 90)
                let score = ((1 / (1 + exp(-logit))) * 10_000).rounded() / 10_000
                if shifted, m == 0 || (m == 1 && site == "ED-1") { lactate += 3 }
                let drawn = unit(i, salt + 5)
                let label = (shifted && m == 2) ? (drawn < 1 - score ? 1 : 0) : (drawn < score ? 1 : 0)
                streams[m].predictions.emit("{\"id\":\"p-\(i)\",\"ts\":\"\(timestamp(time))\",\"model\":\"\(streams[m].name)\",\"version\":\"1\",\"score\":\(score),\"features\":{\"age\":\(age),\"heart_rate\":\(heartRate),\"lactate\":\(lactate),\"site\":\"\(site)\"},\"attrs\":{\"site\":\"\(site)\"}}")
                streams[m].written += 1
                if badEvery > 0, streams[m].written % badEvery == 0 {
                    streams[m].predictions.emit("{\"id\":\"bad-\(i)\",\"ts\":\"\(timestamp(time))\",\"score\":1.7,\"features\":{}}")
                    streams[m].bad += 1
                }
                if unit(i, salt + 6) < outcomeShare {
                    streams[m].waiting.append((time + delay.0 + (delay.1 - delay.0) * unit(i, salt + 7), i, label))
                }
            }
            // Outcomes due by now (all of them when stopping), in order of due time.
            let due = streams[m].waiting.filter { stopping || $0.due <= time }.sorted { $0.due < $1.due }
            if !due.isEmpty {
                streams[m].waiting.removeAll { stopping || $0.due <= time }
                for outcome in due {
                    streams[m].outcomes.emit("{\"id\":\"p-\(outcome.id)\",\"ts\":\"\(timestamp(max(time, outcome.due)))\",\"label\":\(outcome.label)}")
                }
                streams[m].outcomesWritten += due.count
            }
            streams[m].predictions.flush()
            streams[m].outcomes.flush()
        }
        if time - lastCounts >= 1 || stopping {
            writeCounts()
            lastCounts = time
        }
        if !stopping { usleep(50_000) }
    }
    for m in streams.indices {
        close(streams[m].predictions.descriptor)
        close(streams[m].outcomes.descriptor)
    }
    FileManager.default.createFile(atPath: "\(directory)/done", contents: nil)
    exit(0)
}
