import VigilMonitor

/// libFuzzer entry point: one control protocol request line, as vigild reads it from a
/// client (`ControlRequest(line:)`), then the audit rendering of its arguments.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let line = UnsafeBufferPointer(start: data, count: size)
    if let request = try? ControlRequest(line: line) {
        _ = request.argumentsJSON
    }
    return 0
}
