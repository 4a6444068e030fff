import VigilMonitor

/// libFuzzer entry point: one raw log line (without its newline), read as a prediction line
/// and as an outcome line, as ingestion does for each line of the two logs.
///
/// Besides "no crash", it checks what the parser promises of a record it accepts.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let line = UnsafeRawBufferPointer(start: data, count: size)
    // The latest timestamp a record may carry: 10000-01-01T00:00:00Z.
    let latest = 253_402_300_800.0
    switch RecordParser.parsePrediction(line) {
    case .success(let record):
        precondition(!record.id.isEmpty, "an accepted prediction has an empty id")
        precondition(record.score >= 0 && record.score <= 1, "an accepted prediction has score \(record.score)")
        precondition(record.timestamp >= 0 && record.timestamp < latest, "an accepted prediction has ts \(record.timestamp)")
    case .failure(let reason):
        _ = reason.description
    }
    switch RecordParser.parseOutcome(line) {
    case .success(let record):
        precondition(!record.id.isEmpty, "an accepted outcome has an empty id")
        precondition(record.timestamp >= 0 && record.timestamp < latest, "an accepted outcome has ts \(record.timestamp)")
    case .failure(let reason):
        _ = reason.description
    }
    return 0
}
