import Foundation

/// A small synthetic clinical table for training tests: patients with several encounters,
/// timestamps over a year, numeric vitals and labs (lactate missing for about a tenth of the
/// rows), a site and a high-cardinality ward, and an outcome that depends on them
/// non-linearly (prevalence about 20%).
public enum ClinicalTable {
    public static let header = "encounter,patient,ts,age,heart_rate,lactate,wbc,site,ward,on_pressors,label"

    /// The CSV text of `rows` encounters.
    public static func csv(rows: Int, seed: UInt64, positivePrevalenceShift: Double = 0) -> String {
        var random = SplitMix64(seed: seed)
        var lines = [header]
        let start = 1_767_225_600.0  // 2026-01-01T00:00:00Z
        for row in 0..<rows {
            let patient = Int(random.nextUniform() * Double(max(rows / 3, 1)))
            let ts = start + Double(row) / Double(rows) * 365 * 86_400
            let age = 20 + random.nextUniform() * 70
            let heartRate = 60 + random.nextUniform() * 80
            let lactate = 0.5 + abs(random.nextNormal()) * 2
            let wbc = 4 + random.nextUniform() * 14
            let site = ["ED-1", "ED-2", "ED-3"][Int(random.nextUniform() * 3)]
            let ward = "W\(Int(random.nextUniform() * 30))"
            let onPressors = random.nextUniform() < 0.1
            var z = -2.2 + positivePrevalenceShift + 0.025 * (age - 55) + 0.6 * (lactate - 1.5) + (heartRate > 115 && lactate > 2.5 ? 1.2 : 0)
            z += onPressors ? 1 : 0
            z += site == "ED-2" ? 0.4 : 0
            let label = random.nextUniform() < 1 / (1 + exp(-z))
            let lactateText = random.nextUniform() < 0.1 ? "" : String(format: "%.2f", lactate)
            let timestamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: ts))
            lines.append("e\(row),p\(patient),\(timestamp),\(String(format: "%.1f", age)),\(Int(heartRate)),\(lactateText),"
                         + "\(String(format: "%.1f", wbc)),\(site),\(ward),\(onPressors),\(label ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
