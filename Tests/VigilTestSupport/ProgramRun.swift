import Foundation

/// A program run to completion, with what it wrote: for tests that check a tool's verdict
/// (promtool, journalctl). Output goes through files, so nothing can block on a full pipe.
public struct ProgramRun: Sendable {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String

    /// Runs `executable` with `arguments`, its standard input read from `inputFile` (or /dev/null).
    public init(_ executable: String, _ arguments: [String], inputFile: String? = nil) throws {
        let directory = try TemporaryDirectory()
        let outputPath = directory.file("stdout"), errorPath = directory.file("stderr")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = try inputFile.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) } ?? FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        process.waitUntilExit()
        status = process.terminationStatus
        standardOutput = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        standardError = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
    }
}
