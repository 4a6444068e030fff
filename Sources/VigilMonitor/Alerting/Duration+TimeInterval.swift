import Foundation

extension Duration {
    /// The duration in seconds, as Foundation's `TimeInterval` takes it.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
