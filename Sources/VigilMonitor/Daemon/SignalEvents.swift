import Dispatch
import Foundation

/// A process signal the daemon acts on.
public enum DaemonSignal: Sendable, Equatable {
    /// SIGTERM or SIGINT: stop cleanly.
    case terminate(Int32)
    /// SIGHUP: reload the configuration.
    case reload
}

/// Turns SIGTERM, SIGINT and SIGHUP into an async sequence, using dispatch signal
/// sources so that no work happens inside a signal handler.
final class SignalEvents {
    let stream: AsyncStream<DaemonSignal>
    private let sources: [any DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream.makeStream(of: DaemonSignal.self)
        let queue = DispatchQueue(label: "vigil.signals")
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                continuation.yield(signalNumber == SIGHUP ? .reload : .terminate(signalNumber))
            }
            source.resume()
            sources.append(source)
        }
        self.stream = stream
        self.sources = sources
    }

    deinit {
        sources.forEach { $0.cancel() }
    }
}
