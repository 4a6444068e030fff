/// `serving.json`: the one file a serving application reads to know which model version to
/// use, and whether to use one at all. While `status` is `paused` the serving side must stop
/// using the model and fall back to standard care.
public struct ServingFile: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case active
        case paused
    }

    public var model: String
    public var status: Status
    public var version: Int
    /// The version's model file, absolute.
    public var path: String
    /// SHA-256 of that file's bytes.
    public var sha256: String
    /// RFC 3339, UTC.
    public var updatedAt: String
    public var reason: String

    public init(model: String, status: Status, version: Int, path: String, sha256: String, updatedAt: String, reason: String) {
        self.model = model
        self.status = status
        self.version = version
        self.path = path
        self.sha256 = sha256
        self.updatedAt = updatedAt
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case model, status, version, path, sha256, updatedAt = "updated_at", reason
    }
}
