import Foundation

/// A loopback HTTP server that records each request (head and body) and answers every one with
/// a fixed status; with `echoHeaders` the answer's body repeats the request's head, as a badly
/// behaved proxy might. For checking what a client sends and what it logs of the answer.
public final class RecordingHTTPServer: @unchecked Sendable {
    public let port: Int
    private let descriptor: Int32
    private let status: Int
    private let echoHeaders: Bool
    private let lock = NSLock()
    private var received: [String] = []

    public init(status: Int, echoHeaders: Bool = false) throws {
        self.status = status
        self.echoHeaders = echoHeaders
        (descriptor, port) = try listenOnLoopback()
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// The requests received so far, each as its head and body.
    public var requests: [String] { lock.withLock { received } }

    /// Stops accepting; the serving thread ends at its next accept.
    public func stop() { shutdown(descriptor, Int32(SHUT_RDWR)) }

    deinit { close(descriptor) }

    private func serve() {
        while true {
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { return }
            let request = readRequest(client)
            lock.withLock { received.append(request) }
            // The Authorization line first, so that it survives a client's truncation of the answer.
            let head = (request.components(separatedBy: "\r\n\r\n").first ?? "").components(separatedBy: "\r\n")
            let body = echoHeaders ? (head.filter { $0.lowercased().hasPrefix("authorization:") } + head).joined(separator: "\n") : "recorded"
            let reply = "HTTP/1.1 \(status) Recorded\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = Array(reply.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(client)
        }
    }

    /// Reads the head, then as many body bytes as Content-Length says.
    private func readRequest(_ client: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8_192)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while true {
            let count = recv(client, &buffer, buffer.count, 0)
            if count <= 0 { break }
            bytes += buffer[0..<count]
            let text = String(decoding: bytes, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { continue }
            let head = text[..<end.lowerBound].lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if text.utf8.count - text.utf8.distance(from: text.startIndex, to: end.upperBound) >= length { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
