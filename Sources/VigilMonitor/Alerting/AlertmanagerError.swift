/// Why a send to Alertmanager failed, with the URL it went to.
struct AlertmanagerError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Reason: Sendable, Equatable {
        /// The configured URL is not an http(s) URL.
        case invalidURL
        /// No connection or no answer: refused, host unknown, TLS, reset.
        case transport(String)
        /// No answer within the request timeout.
        case timedOut(seconds: Double)
        /// Alertmanager answered with a non-2xx status (and the start of its body).
        case rejected(status: Int, body: String)
        /// The send was abandoned because the notifier is stopping; not an outage.
        case cancelled
    }

    var url: String
    var reason: Reason

    /// What went wrong, without the URL: `connection refused`, `HTTP 400: …`.
    var problem: String {
        switch reason {
        case .invalidURL: "not an http or https URL"
        case .transport(let message): message
        case .timedOut(let seconds): "no answer within \(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)) s"
        case let .rejected(status, body): "HTTP \(status)\(body.isEmpty ? "" : ": \(body)")"
        case .cancelled: "cancelled (stopping)"
        }
    }

    var description: String { "\(url): \(problem)" }
}
