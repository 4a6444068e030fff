import ArgumentParser
import Foundation
import VigilML
import VigilMonitor
import VigilStats

/// `vigil drift`: compares the columns of a current CSV sample with a reference CSV sample.
struct DriftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Compare a current sample with a reference sample, column by column.",
        discussion: """
            Numeric columns: PSI over reference-quantile bins, two-sample Kolmogorov-Smirnov, \
            Wasserstein-1 and Jensen-Shannon distance. Categorical columns: chi-square test of \
            homogeneity, PSI, Jensen-Shannon distance and the share of unseen categories. \
            p-values are adjusted with Benjamini-Hochberg. A column is numeric when every \
            non-empty cell in both files is a number, unless named in --categorical.
            Exit status: 0 on success, 64 for a usage error, 65 for malformed data, 66 for a missing file.
            """
    )

    @Option(help: "The reference CSV file (with a header row).")
    var reference: String

    @Option(help: "The current CSV file (with the same columns).")
    var current: String

    @Option(help: "Comma-separated columns to compare (default: every column of the reference).")
    var columns: String?

    @Option(help: "Comma-separated columns to treat as categorical whatever they contain.")
    var categorical: String?

    @Option(help: "Number of PSI bins for numeric columns.")
    var bins: Int = 10

    @Flag(help: "Print the report as JSON.")
    var json = false

    /// Hidden, for `Benchmarks/drift`: repeat the in-process work (profiling the reference and
    /// evaluating the current sample against it) this many times and print the fastest timings
    /// and the KS statistics as one JSON line on standard error.
    @Option(help: .hidden)
    var benchmarkRepeats: Int?

    func validate() throws {
        guard bins >= 2 else { throw ValidationError("--bins must be at least 2, got \(bins)") }
        if let benchmarkRepeats, benchmarkRepeats < 1 {
            throw ValidationError("--benchmark-repeats must be at least 1")
        }
    }

    func run() throws {
        let referenceTable = try CommandSupport.loadTable(reference)
        let currentTable = try CommandSupport.loadTable(current)
        let names = columns.map(CommandSupport.splitList) ?? referenceTable.header
        let forcedCategorical = Set(categorical.map(CommandSupport.splitList) ?? [])
        for name in names where referenceTable.columnIndex(named: name) == nil {
            throw CommandSupport.usageError("column \"\(name)\" is not in \(reference)")
        }
        for name in forcedCategorical.sorted() where !names.contains(name) {
            throw CommandSupport.usageError("--categorical names \"\(name)\", which is not a compared column")
        }
        for name in names where currentTable.columnIndex(named: name) == nil {
            throw CommandSupport.dataError("\(current): column \"\(name)\" of the reference is missing")
        }
        let inputs = try names.map { name -> DriftInput in
            let r = referenceTable.columnIndex(named: name)!
            let c = currentTable.columnIndex(named: name)!
            let isNumeric = !forcedCategorical.contains(name)
                && referenceTable.inferredKind(ofColumn: r) == .numeric
                && currentTable.inferredKind(ofColumn: c) == .numeric
            if isNumeric {
                return .numeric(name: name,
                                reference: try CommandSupport.numbers(referenceTable, column: r, file: reference),
                                current: try CommandSupport.numbers(currentTable, column: c, file: current))
            }
            return .categorical(name: name, reference: referenceTable.categories(inColumn: r),
                                current: currentTable.categories(inColumn: c))
        }
        let configuration = DriftConfiguration(binCount: bins)

        var run = DriftInput.evaluate(inputs, configuration: configuration)
        if let benchmarkRepeats {
            var bestProfile = run.profileSeconds
            var bestEvaluation = run.evaluationSeconds
            for _ in 1..<benchmarkRepeats {
                run = DriftInput.evaluate(inputs, configuration: configuration)
                bestProfile = min(bestProfile, run.profileSeconds)
                bestEvaluation = min(bestEvaluation, run.evaluationSeconds)
            }
            let statistics = run.report.columns.map { column in
                "\"\(column.name)\":" + (column.ksStatistic.map { "\($0)" } ?? "null")
            }
            CommandSupport.printError(
                "{\"profile_seconds\":\(bestProfile),\"evaluation_seconds\":\(bestEvaluation),"
                    + "\"ks_statistics\":{\(statistics.joined(separator: ","))}}")
        }
        if json {
            print(try CommandSupport.jsonString(run.report))
        } else {
            print(run.report.renderedTable(), terminator: "")
        }
    }
}

/// One typed column of both samples, as the drift command compares it.
enum DriftInput {
    case numeric(name: String, reference: [Double], current: [Double])
    case categorical(name: String, reference: [String?], current: [String?])

    /// Profiles the reference columns, then evaluates windows of the current columns against
    /// the profile — the daemon's path — timing the two phases separately.
    static func evaluate(_ inputs: [DriftInput], configuration: DriftConfiguration)
        -> (report: DriftReport, profileSeconds: Double, evaluationSeconds: Double)
    {
        let start = DispatchTime.now()
        let profile = ReferenceProfile(columns: inputs.map { input in
            switch input {
            case .numeric(let name, let reference, _):
                .numeric(NumericReferenceProfile(name: name, values: reference, binCount: configuration.binCount))
            case .categorical(let name, let reference, _):
                .categorical(CategoricalReferenceProfile(name: name, values: reference))
            }
        })
        let middle = DispatchTime.now()
        var numericWindows: [String: NumericWindow] = [:]
        var categoricalWindows: [String: CategoricalWindow] = [:]
        for input in inputs {
            switch input {
            case .numeric(let name, _, let current):
                numericWindows[name] = NumericWindow(values: current)
            case .categorical(let name, _, let current):
                var window = CategoricalWindow()
                for value in current { window.append(value) }
                categoricalWindows[name] = window
            }
        }
        let report = DriftReport(profile: profile, numericWindows: numericWindows,
                                 categoricalWindows: categoricalWindows, configuration: configuration)
        let end = DispatchTime.now()
        return (report,
                Double(middle.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9,
                Double(end.uptimeNanoseconds - middle.uptimeNanoseconds) / 1e9)
    }
}

/// What the `vigil` subcommands share: loading files and reporting failures with sysexits codes.
enum CommandSupport {
    /// Reads a CSV file, turning failures into one line on standard error and an exit status:
    /// 66 (EX_NOINPUT) when the file is missing or unreadable, 65 (EX_DATAERR) when malformed.
    static func loadTable(_ path: String) throws -> CSVTable {
        do {
            return try CSVTable(contentsOfFile: path)
        } catch {
            printError("vigil: \(error)")
            switch error {
            case .unreadable: throw ExitCode(66)
            case .malformed: throw ExitCode(65)
            }
        }
    }

    /// A CSV or JSON Lines table for training or scoring; exit 66 when the file cannot be
    /// read, 65 when it is malformed.
    static func loadRawTable(_ path: String) throws -> RawTable {
        do throws(TrainingDataError) {
            return try RawTable(contentsOfFile: path)
        } catch {
            if case .unreadable = error { throw CommandFailure(exitCode: StartupFailure.noInput, lines: ["\(error)"]) }
            throw CommandFailure(exitCode: StartupFailure.dataError, lines: ["\(error)"])
        }
    }

    /// The numbers of one column, or exit 65 naming the file, line and cell.
    static func numbers(_ table: CSVTable, column: Int, file: String) throws -> [Double] {
        do {
            return try table.numbers(inColumn: column)
        } catch {
            throw dataError("\(file): \(error)")
        }
    }

    /// Prints `message` and returns the exit status for malformed data (65, EX_DATAERR).
    static func dataError(_ message: String) -> ExitCode {
        printError("vigil: \(message)")
        return ExitCode(65)
    }

    /// Prints `message` and returns the exit status for a usage error (64, EX_USAGE).
    static func usageError(_ message: String) -> ExitCode {
        printError("vigil: \(message)")
        return ExitCode(64)
    }

    static func splitList(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func jsonString(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
