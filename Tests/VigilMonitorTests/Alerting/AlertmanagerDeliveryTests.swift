import Foundation
import Testing
@testable import VigilMonitor

struct AlertmanagerDeliveryTests {
    let start = ContinuousClock.now

    @Test("failures back off from 1 s, doubling up to 60 s, and one delivery resets the backoff")
    func backoff() {
        var delivery = AlertmanagerDelivery(resendInterval: .seconds(60))
        delivery.take([.lactateDrift(.firing)])
        var waits: [Duration] = []
        var startedOutage: [Bool] = []
        for attempt in 0..<9 {
            let now = start + .seconds(attempt * 100)
            startedOutage.append(delivery.failed(at: now))
            waits.append(delivery.nextDeadline(now: now)! - now)
        }
        #expect(waits == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
        #expect(startedOutage == [true] + Array(repeating: false, count: 8))

        let deliveredAt = start + .seconds(1_000)
        let endedOutage = delivery.delivered(at: deliveredAt)
        #expect(endedOutage, "a delivery after failures ends the outage")
        #expect(!delivery.isInOutage)
        let startedAgain = delivery.failed(at: deliveredAt + .seconds(1))
        #expect(startedAgain, "the next failure is a new outage")
        #expect(delivery.nextDeadline(now: deliveredAt + .seconds(1)) == deliveredAt + .seconds(2))
    }

    @Test("firing alerts are re-sent every interval; a resolved one is sent until delivered, then forgotten")
    func resendAndForget() {
        var delivery = AlertmanagerDelivery(resendInterval: .seconds(60))
        #expect(delivery.nextDeadline(now: start) == nil, "nothing to send, nothing to wait for")

        let other = Alert(key: AlertKey(model: "sepsis-risk", rule: .performance), status: .firing, severity: .critical,
                          version: "3", value: 0.61, threshold: 0.7, summary: "AUROC 0.61", description: "",
                          windowStart: nil, windowEnd: nil, startsAt: 1_764_410_400, endsAt: nil)
        delivery.take([.lactateDrift(.firing), other])
        #expect(delivery.isDue(at: start))
        #expect(delivery.alertsToSend.map(\.key) == [Alert.lactateDrift(.firing).key, other.key])
        _ = delivery.delivered(at: start)
        #expect(!delivery.isDue(at: start + .seconds(59)))
        #expect(delivery.isDue(at: start + .seconds(60)))

        delivery.take([.lactateDrift(.resolved)])
        #expect(delivery.isDue(at: start + .seconds(1)), "a transition is sent at once")
        #expect(delivery.alertsToSend.map(\.status) == [.firing, .resolved])
        _ = delivery.failed(at: start + .seconds(1))
        #expect(delivery.alertsToSend.map(\.status) == [.firing, .resolved], "a failed send keeps the resolved alert")
        _ = delivery.delivered(at: start + .seconds(2))
        #expect(delivery.alertsToSend.map(\.key) == [other.key], "once delivered, the resolved alert is forgotten")
        #expect(!delivery.hasUndelivered)
    }

    @Test("the last transition of a key wins: firing again after a resolution sends only the firing one")
    func lastTransitionWins() {
        var delivery = AlertmanagerDelivery(resendInterval: .seconds(60))
        delivery.take([.lactateDrift(.firing), .lactateDrift(.resolved), .lactateDrift(.firing, startsAt: 1_764_420_000)])
        #expect(delivery.alertsToSend == [.lactateDrift(.firing, startsAt: 1_764_420_000)])
    }
}
