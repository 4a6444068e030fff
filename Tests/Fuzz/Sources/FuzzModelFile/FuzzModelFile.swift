import VigilML

/// libFuzzer entry point: one model file's bytes through `ModelFile.decode`, as vigild reads a
/// model file (`vigil register` sends one; the model store reads them back).
///
/// A mutated file almost never keeps a valid checksum, so the input is also decoded with a
/// freshly computed one: everything before the checksum tail (or before the closing `}` when
/// there is no tail) is taken as the checksummed body, and `,"sha256":"<hex>"}` is appended as
/// `ModelFile.encode` does. That takes the fuzzer past the checksum into the document's
/// decoding, and when a document decodes, the harness scores rows with it, as serving and the
/// retraining gates do with a registered model.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let document = try? ModelFile.decode(bytes, path: "fuzz.vigil-model") { score(document) }
    if let document = try? ModelFile.decode(rechecksummed(bytes), path: "fuzz.vigil-model") { score(document) }
    return 0
}

/// `bytes` with its checksum tail replaced by a valid one.
func rechecksummed(_ bytes: [UInt8]) -> [UInt8] {
    let marker = Array(#","sha256":""#.utf8)
    var end = bytes.count
    while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D || bytes[end - 1] == 0x20 { end -= 1 }
    var body = Array(bytes[0..<end])
    let tailLength = marker.count + 64 + 2
    if body.count >= tailLength, Array(body[(body.count - tailLength)..<(body.count - 66)]) == marker {
        body.removeLast(tailLength)
    } else if body.last == UInt8(ascii: "}") {
        body.removeLast()
    }
    var file = body
    file.append(contentsOf: marker)
    file.append(contentsOf: Array(SHA256.hexDigest(of: body).utf8))
    file.append(contentsOf: Array("\"}\n".utf8))
    return file
}

/// Scores a few rows with `document`: every feature missing, then typical cells.
func score(_ document: ModelDocument) {
    let model = TrainedModel(document)
    let rows: [[String]] = [["", "0", "1", "-3.5", "true", "a", "NaN"]]
    for cells in rows {
        let columns = document.features.map { FeatureColumn.parse(cells, name: $0.name, kind: $0.kind) }
        let probabilities = model.probabilities(columns)
        for probability in probabilities { _ = probability >= document.operatingPoint.threshold }
    }
}
