import VigilMonitor

/// libFuzzer entry point: one JSON text through `JSONValue.parse`, with the default depth
/// limit and with a small one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let value = try? JSONValue.parse(bytes)
    let shallow = try? JSONValue.parse(bytes, maximumDepth: 4)
    // A text accepted under the small limit is accepted, identically, under the default one.
    if let shallow { precondition(shallow == value, "the depth limit changed the value") }
    return 0
}
