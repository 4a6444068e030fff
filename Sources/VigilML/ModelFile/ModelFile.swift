import Foundation

/// Reads and writes model files: the document as compact JSON with sorted keys, followed by
/// `"sha256"`, the SHA-256 of every byte before it. Loading checks the format version first
/// and then the checksum, so a file from another version or one changed by hand is refused
/// with a message that says which; then the document's structure (`structuralProblem`), so a
/// model that would trap or loop when it scores is refused too.
public enum ModelFile {
    static let checksumMarker = Array(#","sha256":""#.utf8)

    /// The file's bytes for `document`.
    public static func encode(_ document: ModelDocument) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = [UInt8](try encoder.encode(document))
        guard bytes.last == UInt8(ascii: "}") else { throw ModelFileError.malformed(path: "", reason: "the encoder did not write an object") }
        bytes.removeLast()
        let digest = SHA256.hexDigest(of: bytes)
        bytes.append(contentsOf: checksumMarker)
        bytes.append(contentsOf: Array(digest.utf8))
        bytes.append(contentsOf: Array("\"}\n".utf8))
        return bytes
    }

    /// Writes `document` to `path` atomically (temporary file, then rename).
    public static func write(_ document: ModelDocument, to path: String) throws {
        let bytes = try encode(document)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ModelFileError.unwritable(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    /// Reads and verifies the model file at `path`.
    public static func read(_ path: String) throws(ModelFileError) -> ModelDocument {
        let bytes: [UInt8]
        do {
            bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return try decode(bytes, path: path)
    }

    /// Verifies and decodes a model file's bytes.
    public static func decode(_ bytes: [UInt8], path: String) throws(ModelFileError) -> ModelDocument {
        struct Header: Decodable { var format: String? }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(bytes)) else {
            throw .malformed(path: path, reason: "not a JSON object: not a Vigil model file")
        }
        guard let format = header.format else { throw .malformed(path: path, reason: "no \"format\": not a Vigil model file") }
        guard format == ModelDocument.currentFormat else { throw .unsupportedFormat(path: path, format: format) }
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D || bytes[end - 1] == 0x20 { end -= 1 }
        let tailLength = checksumMarker.count + 64 + 2
        guard end >= tailLength, Array(bytes[(end - tailLength)..<(end - 66)]) == checksumMarker,
              bytes[end - 2] == UInt8(ascii: "\""), bytes[end - 1] == UInt8(ascii: "}") else {
            throw .malformed(path: path, reason: "the checksum \"sha256\" is missing from the end of the file")
        }
        let recorded = String(decoding: bytes[(end - 66)..<(end - 2)], as: UTF8.self)
        let actual = SHA256.hexDigest(of: bytes[0..<(end - tailLength)])
        guard recorded == actual else { throw .checksumMismatch(path: path, recorded: recorded, actual: actual) }
        let document: ModelDocument
        do {
            document = try JSONDecoder().decode(ModelDocument.self, from: Data(bytes))
        } catch {
            throw .malformed(path: path, reason: "\(error)")
        }
        if let problem = document.structuralProblem { throw .malformed(path: path, reason: "not a model Vigil can score: \(problem)") }
        return document
    }
}

/// Why a model file cannot be used.
public enum ModelFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case unsupportedFormat(path: String, format: String)
    case checksumMismatch(path: String, recorded: String, actual: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read the model file: \(reason)"
        case .unwritable(let path, let reason): "\(path): cannot write the model file: \(reason)"
        case .malformed(let path, let reason): "\(path): \(reason)"
        case .unsupportedFormat(let path, let format):
            "\(path): model format \"\(format)\" is not supported; this Vigil reads \"\(ModelDocument.currentFormat)\""
        case .checksumMismatch(let path, let recorded, let actual):
            "\(path): checksum mismatch (recorded \(recorded.prefix(12))…, content \(actual.prefix(12))…): the file was changed after it was written"
        }
    }
}
