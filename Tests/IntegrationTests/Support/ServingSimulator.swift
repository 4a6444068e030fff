import Foundation
import VigilML
import VigilTestSupport

/// The serving side of a sepsis-like model, as a hospital would run it: each patient is scored
/// by the version `serving.json` names at that moment (none while it says `paused`: standard
/// care), the prediction appended to the prediction log, and the outcome to the outcome log an
/// hour later in event time.
///
/// Patients: age, heart rate, lactate, site (ED-1..3) and sex, fixed per index. Their true
/// risk rises with age, heart rate and (true) lactate. Phases change what is logged or what
/// happens: an assay at ED-1 reading lactate 1.5 mmol/L high (the outcome still follows the
/// true value), or a new protocol after which outcomes no longer follow the inputs.
final class ServingSimulator {
    enum Phase {
        case stable
        case assayShift
        case protocolChange
    }

    static let base = 1_795_000_000.0
    let predictions: String
    let outcomes: String
    let servingFile: String
    private(set) var next = 0
    /// How many predictions each version served.
    private(set) var served: [Int: Int] = [:]
    private(set) var skippedWhilePaused = 0
    private var loaded: [String: TrainedModel] = [:]

    init(predictions: String, outcomes: String, servingFile: String) {
        self.predictions = predictions
        self.outcomes = outcomes
        self.servingFile = servingFile
    }

    struct Patient {
        var age: Double
        var heartRate: Double
        var lactate: Double
        var site: String
        var sex: String
        var label: Bool
    }

    static func patient(_ index: Int, phase: Phase) -> Patient {
        var random = SplitMix64(seed: UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ 17)
        let site = ["ED-1", "ED-2", "ED-3"][random.nextIndex(below: 3)]
        let sex = random.nextUniform() < 0.5 ? "F" : "M"
        let age = (60 + 15 * random.nextNormal()).rounded()
        let heartRate = (90 + 15 * random.nextNormal()).rounded()
        let trueLactate = ((0.7 + exp(0.5 * random.nextNormal())) * 10).rounded() / 10
        let logit = -2.0 + 0.05 * (age - 60) + 1.6 * (trueLactate - 1.7) + 0.04 * (heartRate - 90)
        let risk = 1 / (1 + exp(-logit))
        let draw = random.nextUniform()
        var lactate = trueLactate
        var label = draw < risk
        switch phase {
        case .stable: break
        case .assayShift: if site == "ED-1" { lactate += 1.5 }
        case .protocolChange: label = random.nextUniform() < 0.2
        }
        return Patient(age: age, heartRate: heartRate, lactate: lactate, site: site, sex: sex, label: label)
    }

    /// A training table of `count` stable patients (from index 1,000,000 on, apart from the stream).
    static func trainingCSV(count: Int) -> String {
        var lines = ["age,heart_rate,lactate,site,label"]
        for index in 0..<count {
            let p = patient(1_000_000 + index, phase: .stable)
            lines.append("\(p.age),\(p.heartRate),\(p.lactate),\(p.site),\(p.label ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The model and version serving.json names now; nil when paused or absent.
    func currentModel() throws -> (version: Int, model: TrainedModel)? {
        guard let data = FileManager.default.contents(atPath: servingFile),
              let serving = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              serving["status"] as? String == "active", let version = serving["version"] as? Int,
              let path = serving["path"] as? String, let sha = serving["sha256"] as? String else { return nil }
        if let model = loaded[sha] { return (version, model) }
        let model = TrainedModel(try ModelFile.read(path))
        loaded[sha] = model
        return (version, model)
    }

    /// Serves `count` patients of `phase`; returns how many were scored (none while paused).
    @discardableResult
    func serve(_ count: Int, phase: Phase) throws -> Int {
        let patients = (next..<next + count).map { ($0, Self.patient($0, phase: phase)) }
        next += count
        guard let (version, model) = try currentModel() else {
            skippedWhilePaused += count
            return 0
        }
        let cells: [String: [String]] = [
            "age": patients.map { String($0.1.age) }, "heart_rate": patients.map { String($0.1.heartRate) },
            "lactate": patients.map { String($0.1.lactate) }, "site": patients.map { $0.1.site },
        ]
        let columns = model.document.features.map { FeatureColumn.parse(cells[$0.name] ?? Array(repeating: "", count: count), name: $0.name, kind: $0.kind) }
        let scores = model.probabilities(columns)
        var predictionText = ""
        var outcomeText = ""
        for ((index, p), score) in zip(patients, scores) {
            let ts = Self.base + Double(index) * 60
            predictionText += #"{"id":"enc-\#(index)","ts":\#(Int(ts)),"version":"\#(version)","score":\#(score),"features":{"age":\#(p.age),"heart_rate":\#(p.heartRate),"lactate":\#(p.lactate),"site":"\#(p.site)"},"attrs":{"site":"\#(p.site)","sex":"\#(p.sex)"}}"# + "\n"
            outcomeText += #"{"id":"enc-\#(index)","ts":\#(Int(ts + 3_600)),"label":\#(p.label ? 1 : 0)}"# + "\n"
        }
        try Self.append(predictionText, to: predictions)
        try Self.append(outcomeText, to: outcomes)
        served[version, default: 0] += count
        return count
    }

    static func append(_ text: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }
}
