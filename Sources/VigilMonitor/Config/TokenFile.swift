import Foundation

/// Reads a bearer token from a file that only vigild (and its group) may read.
enum TokenFile {
    /// The file's one line, or a problem that says what is wrong without showing the content.
    static func read(_ path: String) -> Result<Secret, TokenFileProblem> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(.unreadable(path, String(cString: strerror(errno)))) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(.notAFile(path)) }
        if info.st_mode & 0o007 != 0 { return .failure(.openToEveryone(path, mode: info.st_mode & 0o777)) }
        guard info.st_size <= 16_384 else { return .failure(.malformed(path, "is \(info.st_size) bytes; a token file holds one line")) }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(.unreadable(path, String(cString: strerror(errno == 0 ? EACCES : errno))))
        }
        var bytes = [UInt8](data)[...]
        while let last = bytes.last, [0x0A, 0x0D, 0x20, 0x09].contains(last) { bytes.removeLast() }
        while let first = bytes.first, [0x20, 0x09].contains(first) { bytes.removeFirst() }
        guard !bytes.isEmpty else { return .failure(.malformed(path, "is empty")) }
        // Printable ASCII only: a line break inside would split the HTTP header it is sent in.
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return .failure(.malformed(path, "holds a space, line break or other non-printable character inside the token; it must be one line of printable ASCII"))
        }
        return .success(Secret(String(decoding: bytes, as: UTF8.self)))
    }
}

/// Why a token file is refused. The token itself never appears.
enum TokenFileProblem: Error, CustomStringConvertible {
    case unreadable(String, String)
    case notAFile(String)
    case openToEveryone(String, mode: mode_t)
    case malformed(String, String)

    var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path) cannot be read: \(reason)"
        case let .notAFile(path): "\(path) is not a regular file"
        case let .openToEveryone(path, mode):
            "\(path) is readable or writable by every user (mode \(String(mode, radix: 8))); make it private to vigild, e.g. chmod 0640 and chown root:vigil"
        case let .malformed(path, problem): "\(path) \(problem)"
        }
    }
}
