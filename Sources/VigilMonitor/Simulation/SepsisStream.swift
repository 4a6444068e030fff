import Foundation
import VigilStats

/// A seeded stream of sepsis-screening encounters in three emergency departments, for `vigil
/// simulate` and `vigil demo`: what the serving side sees (eleven inputs) and what happens to the
/// patient (sepsis within 72 hours, known 6 to 72 hours after the screening).
///
/// Each encounter is a pure function of the seed, its index and the phase it falls in, so a
/// stream is the same on every run and every machine. Patients have a latent severity that moves
/// their vital signs and laboratory values together; the outcome follows the *true* inputs through
/// a non-linear model (thresholds as in qSOFA and SIRS, a lactate hinge) whose intercept and
/// lactate slope differ a little by site. Prevalence is about 8% in the stable phase.
public struct SepsisStream: Sendable {
    /// One way the world differs from the stable baseline; a phase combines any of them.
    public enum Effect: String, Sendable, CaseIterable, Codable {
        /// The baseline.
        case stable
        /// A new lactate assay at one site reads 0.8 mmol/L higher than the old one; the outcome
        /// still follows the true lactate (covariate shift at one site).
        case assayShift = "assay-shift"
        /// Winter: patients are about ten years older (population shift).
        case winter
        /// A new treatment protocol: patients with lactate of 2 mmol/L or more get an early
        /// sepsis bundle that averts most deterioration, so the same inputs carry less risk, and
        /// the higher the lactate the less (concept shift: a model of the old risk ranks worse).
        case protocolChange = "protocol-change"
    }

    /// A stretch of the stream: `count` encounters under `effects`.
    public struct Phase: Sendable, Equatable {
        public var effects: Set<Effect>
        public var count: Int

        public init(_ effects: Set<Effect>, count: Int) {
            self.effects = effects.subtracting([.stable])
            self.count = count
        }

        /// Parses `NAME[+NAME...]:COUNT`, e.g. `stable:2000` or `assay-shift+winter:1500`.
        public init(parsing text: String) throws(SimulationError) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let count = Int(parts[1]), count >= 0 else {
                throw SimulationError("phase \"\(text)\": expected NAME[+NAME...]:COUNT, e.g. stable:2000 or assay-shift+winter:1500")
            }
            var effects: Set<Effect> = []
            for name in parts[0].split(separator: "+") {
                guard let effect = Effect(rawValue: String(name)) else {
                    throw SimulationError("phase \"\(text)\": unknown \"\(name)\" (one of \(Effect.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                effects.insert(effect)
            }
            self.init(effects, count: count)
        }

        public var name: String { effects.isEmpty ? "stable" : effects.map(\.rawValue).sorted().joined(separator: "+") }
    }

    /// One encounter: the logged inputs, the subgroup attributes and the outcome.
    public struct Encounter: Sendable, Equatable {
        public var index: Int
        public var id: String
        /// Screening time (Unix seconds, event time).
        public var ts: Int
        public var site: String
        public var sex: String
        public var age: Double
        public var heartRate: Double
        public var respiratoryRate: Double
        public var temperature: Double
        public var systolicPressure: Double
        public var spo2: Double
        public var wbc: Double
        /// As the site's assay reports it (what the model sees).
        public var lactate: Double
        /// As it is (what the outcome follows).
        public var trueLactate: Double
        public var creatinine: Double
        public var arrivalMode: String
        /// The probability of the outcome given everything (the truth the model approximates).
        public var risk: Double
        public var label: Bool
        /// When the outcome becomes known (Unix seconds, event time): 6 to 72 hours after `ts`.
        public var outcomeTS: Int

        /// The model's inputs by column name, as text (the training CSV's cells).
        public var features: [(name: String, value: String)] {
            [("age", Self.text(age)), ("sex", sex), ("heart_rate", Self.text(heartRate)), ("resp_rate", Self.text(respiratoryRate)),
             ("temperature", Self.text(temperature)), ("systolic_bp", Self.text(systolicPressure)), ("spo2", Self.text(spo2)),
             ("wbc", Self.text(wbc)), ("lactate", Self.text(lactate)), ("creatinine", Self.text(creatinine)), ("arrival_mode", arrivalMode),
             ("site", site)]
        }

        static func text(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
    }

    public static let sites = ["ED-1", "ED-2", "ED-3"]
    public static let featureNames = ["age", "sex", "heart_rate", "resp_rate", "temperature", "systolic_bp", "spo2", "wbc", "lactate", "creatinine", "arrival_mode", "site"]
    /// How much higher the new assay reads (mmol/L).
    public static let assayOffset = 0.8
    /// 2026-01-05T00:00:00Z: the first encounter of a stream.
    public static let start = 1_767_571_200
    /// Mean time between encounters across the three departments (a few hundred a day).
    public static let secondsBetweenEncounters = 180

    public var seed: UInt64
    /// The site whose lactate assay changes in `assay-shift`.
    public var assaySite: String

    public init(seed: UInt64 = 1, assaySite: String = "ED-1") {
        self.seed = seed
        self.assaySite = assaySite
    }

    /// Encounter `index` of the stream under `effects`.
    public func encounter(_ index: Int, effects: Set<Effect> = []) -> Encounter {
        var random = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03 &+ 0x632B_E59B))
        func normal() -> Double {
            // Box–Muller; 1 - u keeps the logarithm finite.
            let u = 1 - random.nextUniform(), v = random.nextUniform()
            return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
        func round1(_ x: Double) -> Double { (x * 10).rounded() / 10 }

        let siteDraw = random.nextUniform()
        let site = siteDraw < 0.4 ? "ED-1" : siteDraw < 0.75 ? "ED-2" : "ED-3"
        let sex = random.nextUniform() < 0.52 ? "F" : "M"
        let ageMean = effects.contains(.winter) ? 68.0 : 57.0
        let age = min(99, max(18, (ageMean + 18 * normal()).rounded()))
        let severity = normal()
        let ambulanceOdds = -1.6 + 0.035 * (age - 57) + 0.7 * severity
        let arrivalMode = random.nextUniform() < 1 / (1 + exp(-ambulanceOdds)) ? "ambulance" : "walk-in"
        let heartRate = min(190, max(40, (86 + 9 * severity + 13 * normal()).rounded()))
        let respiratoryRate = min(50, max(8, (18 + 2.5 * severity + 3 * normal()).rounded()))
        let feverish = random.nextUniform() < 0.8
        let temperature = round1(min(42, max(34, 37.0 + 0.45 * normal() + (severity > 0 ? (feverish ? 0.7 : -0.6) * severity : 0))))
        let systolicPressure = min(220, max(60, (132 - 9 * severity + 18 * normal() + 0.2 * (age - 57)).rounded()))
        let spo2 = min(100, max(75, (97.5 - 1.3 * max(severity, 0) + 1.5 * normal()).rounded()))
        let wbc = round1(min(40, max(1, exp(log(8.5) + 0.22 * severity + 0.3 * normal()))))
        let trueLactate = round1(min(15, max(0.4, exp(log(1.3) + 0.3 * severity + 0.3 * normal()))))
        let creatinine = round1(min(10, max(0.3, exp(log(0.9) + 0.12 * severity + 0.006 * (age - 57) + 0.3 * normal()))))

        // The outcome: hinges and thresholds on the true values, a little different at each site.
        let (intercept, lactateSlope): (Double, Double) = switch site {
        case "ED-1": (-3.77, 0.9)
        case "ED-2": (-3.67, 0.8)
        default: (-3.57, 1.05)
        }
        var logit = intercept
            + lactateSlope * max(trueLactate - 2, 0) + 0.4 * (trueLactate - 1.3)
            + 0.035 * max(heartRate - 90, 0) + 0.12 * max(respiratoryRate - 22, 0)
            + ((temperature > 38.3 || temperature < 36) ? 0.8 : 0)
            + 0.035 * max(100 - systolicPressure, 0) + 0.09 * max(94 - spo2, 0)
            + ((wbc > 12 || wbc < 4) ? 0.6 : 0) + 0.6 * max(creatinine - 1.2, 0)
            + 0.025 * max(age - 60, 0) + (arrivalMode == "ambulance" ? 0.5 : 0)
        if effects.contains(.protocolChange), trueLactate >= 2 {
            logit -= 3.0 + 2 * lactateSlope * max(trueLactate - 2, 0)
        }
        let risk = 1 / (1 + exp(-logit))
        let label = random.nextUniform() < risk
        let u = random.nextUniform()
        let delayHours = 6 + 66 * pow(u, 2.2)
        let ts = Self.start + index * Self.secondsBetweenEncounters + Int(random.nextUniform() * Double(Self.secondsBetweenEncounters - 10))
        let lactate = effects.contains(.assayShift) && site == assaySite
            ? ((trueLactate * 10).rounded() + Self.assayOffset * 10) / 10 : trueLactate
        return Encounter(
            index: index, id: "enc-\(seed)-\(index)", ts: ts, site: site, sex: sex, age: age, heartRate: heartRate,
            respiratoryRate: respiratoryRate, temperature: temperature, systolicPressure: systolicPressure, spo2: spo2, wbc: wbc,
            lactate: lactate, trueLactate: trueLactate, creatinine: creatinine, arrivalMode: arrivalMode, risk: risk, label: label,
            outcomeTS: ts + Int((delayHours * 3600).rounded(.down)))
    }

    /// A training table for the first model: `rows` stable encounters drawn apart from the
    /// stream (negative indices), with the model's inputs, `site` and `label`.
    public func trainingCSV(rows: Int) -> String {
        var text = (Self.featureNames + ["label"]).joined(separator: ",") + "\n"
        for row in 0..<rows {
            let encounter = encounter(-1 - row)
            text += (encounter.features.map(\.value) + [encounter.label ? "1" : "0"]).joined(separator: ",") + "\n"
        }
        return text
    }
}

/// A problem with a simulation's phases or files.
public struct SimulationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
