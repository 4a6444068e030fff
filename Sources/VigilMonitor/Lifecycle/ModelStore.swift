import Foundation
import VigilML

/// The files of registered model versions under `<state_dir>/models/<model>/`:
/// `versions/<n>/model.json` and `card.md`, and `serving.json`. Every file is replaced
/// atomically with its directory fsynced, so after a crash each is either the old or the new.
public struct ModelStore: Sendable {
    /// `<state_dir>/models`.
    public let root: String

    public init(stateDirectory: String) {
        root = (stateDirectory as NSString).appendingPathComponent("models")
    }

    /// A version as stored.
    public struct StoredVersion: Sendable, Equatable {
        public var version: Int
        public var path: String
        public var sha256: String
    }

    public func directory(of model: String) -> String { (root as NSString).appendingPathComponent(model) }

    public func modelFile(of model: String, version: Int) -> String {
        "\(directory(of: model))/versions/\(version)/model.json"
    }

    public func servingFile(of model: String) -> String { "\(directory(of: model))/serving.json" }

    /// The versions stored for `model` (those with a model file), ascending.
    public func versions(of model: String) -> [Int] {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory(of: model))/versions")) ?? []
        return versions.compactMap(Int.init).filter { FileManager.default.fileExists(atPath: modelFile(of: model, version: $0)) }.sorted()
    }

    /// Stores `bytes`, which must be a valid model file, as version `number` (default: the one
    /// after the highest stored), with its model card beside it. The model file is written last, so a version without one is an
    /// interrupted write and its number is used again.
    ///
    /// - Throws: ``ModelStoreError`` when the name is unusable, the bytes are not a valid model
    ///   file (nothing is written then), or a file cannot be written.
    public func addVersion(of model: String, modelFile bytes: [UInt8], number: Int? = nil) throws(ModelStoreError) -> StoredVersion {
        try Self.checkName(model)
        let document: ModelDocument
        do {
            document = try ModelFile.decode(bytes, path: "the model file for \(model)")
        } catch {
            throw .invalidModelFile(error)
        }
        let version = number ?? (versions(of: model).last ?? 0) + 1
        let versionDirectory = "\(directory(of: model))/versions/\(version)"
        try Self.makeDirectory(versionDirectory)
        let path = modelFile(of: model, version: version)
        do {
            try AtomicFile.write(Array(ModelCard.markdown(document).utf8), to: "\(versionDirectory)/card.md", syncDirectory: true, describedAs: "model card")
            try AtomicFile.write(bytes, to: path, syncDirectory: true, describedAs: "model file")
        } catch {
            throw .unwritable(error)
        }
        return StoredVersion(version: version, path: path, sha256: SHA256.hexDigest(of: bytes))
    }

    /// Replaces the model's `serving.json`.
    public func writeServing(_ serving: ServingFile) throws(ModelStoreError) {
        try Self.checkName(serving.model)
        try Self.makeDirectory(directory(of: serving.model))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(serving) else { throw .malformedServing(path: servingFile(of: serving.model), reason: "cannot be encoded") }
        do {
            try AtomicFile.write(Array(data) + [0x0A], to: servingFile(of: serving.model), syncDirectory: true, describedAs: "serving file")
        } catch {
            throw .unwritable(error)
        }
    }

    /// The model's `serving.json`, checked against the file it names; nil when there is none.
    ///
    /// - Throws: ``ModelStoreError/malformedServing(path:reason:)`` when it is not a serving file
    ///   for this model, or names a model file that is missing or whose SHA-256 differs.
    public func readServing(of model: String) throws(ModelStoreError) -> ServingFile? {
        let path = servingFile(of: model)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let serving = try? JSONDecoder().decode(ServingFile.self, from: data) else {
            throw .malformedServing(path: path, reason: "not a serving file (model, status, version, path, sha256, updated_at, reason)")
        }
        guard serving.model == model else { throw .malformedServing(path: path, reason: "it names model \"\(serving.model)\"") }
        guard let bytes = FileManager.default.contents(atPath: serving.path) else {
            throw .malformedServing(path: path, reason: "its model file \(serving.path) is missing")
        }
        let actual = SHA256.hexDigest(of: [UInt8](bytes))
        guard actual == serving.sha256 else {
            throw .malformedServing(path: path, reason: "its model file \(serving.path) has SHA-256 \(actual.prefix(12))…, not \(serving.sha256.prefix(12))…")
        }
        return serving
    }

    /// Model names become directory names: letters, digits, `-`, `_` and `.`, not starting with `.`.
    static func checkName(_ model: String) throws(ModelStoreError) {
        let allowed = model.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
        guard !model.isEmpty, !model.hasPrefix("."), allowed else { throw .unusableName(model) }
    }

    static func makeDirectory(_ path: String) throws(ModelStoreError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw .cannotCreateDirectory(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}

/// Why the model store refused or failed.
public enum ModelStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case unusableName(String)
    case invalidModelFile(ModelFileError)
    case cannotCreateDirectory(path: String, reason: String)
    case unwritable(AtomicFileError)
    case malformedServing(path: String, reason: String)

    public var description: String {
        switch self {
        case .unusableName(let model): "model name \"\(model)\" cannot name a directory: use letters, digits, '-', '_' and '.'"
        case .invalidModelFile(let error): "\(error)"
        case .cannotCreateDirectory(let path, let reason): "cannot create \(path): \(reason)"
        case .unwritable(let error): "\(error)"
        case .malformedServing(let path, let reason): "\(path) is not usable: \(reason)"
        }
    }
}
