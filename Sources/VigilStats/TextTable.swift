/// Plain-text, column-aligned tables for terminals.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]]
    /// Columns (by index) aligned to the right; others align left.
    public var rightAligned: Set<Int>

    public init(headers: [String], rows: [[String]], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rows = rows
        self.rightAligned = rightAligned
    }

    /// The table with a header underline, columns separated by two spaces, no trailing spaces.
    public func rendered() -> String {
        let all = [headers] + rows
        var widths = [Int](repeating: 0, count: headers.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, width) in widths.enumerated() {
                let cell = index < cells.count ? cells[index] : ""
                let padding = String(repeating: " ", count: width - cell.count)
                parts.append(rightAligned.contains(index) ? padding + cell : cell + padding)
            }
            var text = parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        var lines = [line(headers), line(widths.map { String(repeating: "-", count: $0) })]
        lines += rows.map(line)
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Number formatting for reports, without Foundation.
public enum NumberFormatting {
    /// `value` with `digits` decimals (`-` for `nil`); values below `10^-digits` in magnitude,
    /// other than 0, are written in scientific notation with 2 decimals (`3.14e-07`), so that
    /// small p-values are not shown as 0.
    public static func format(_ value: Double?, digits: Int = 4) -> String {
        guard let value else { return "-" }
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value != 0 && abs(value) < pow10(-digits) { return scientific(value) }
        return fixed(value, digits: digits)
    }

    /// Fixed-point notation with `digits` decimals, rounding half away from zero.
    public static func fixed(_ value: Double, digits: Int) -> String {
        let scale = pow10(digits)
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return scientific(value) }
        let integer = UInt64(scaled)
        let divisor = UInt64(scale)
        let whole = integer / divisor
        let fraction = integer % divisor
        var text = String(whole)
        if digits > 0 {
            let fractionText = String(fraction)
            text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        return (value < 0 && scaled != 0 ? "-" : "") + text
    }

    /// Scientific notation with 2 decimals in the mantissa, e.g. `1.23e-300`.
    public static func scientific(_ value: Double) -> String {
        if value == 0 { return "0.00e+00" }
        if abs(value) < 1e-290 {
            // Subnormal territory: shift by 10^300 so that powers of ten stay representable.
            let shifted = scientific(value * 1e300)
            guard let e = shifted.lastIndex(of: "e"), let exponent = Int(shifted[shifted.index(after: e)...]) else { return shifted }
            let text = String(abs(exponent - 300))
            return shifted[..<e] + "e-" + text
        }
        var exponent = Int((abs(value)).exponentBase10())
        var mantissa = abs(value) / pow10(exponent)
        if (mantissa * 100).rounded() >= 1000 {
            exponent += 1
            mantissa = abs(value) / pow10(exponent)
        } else if mantissa < 1 {
            exponent -= 1
            mantissa = abs(value) / pow10(exponent)
        }
        let exponentText = String(abs(exponent))
        return (value < 0 ? "-" : "") + fixed(mantissa, digits: 2) + "e" + (exponent < 0 ? "-" : "+")
            + (exponentText.count < 2 ? "0" : "") + exponentText
    }

    private static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        if exponent >= 0 {
            for _ in 0..<exponent { result *= 10 }
        } else {
            // Dividing keeps 10^-k correctly rounded for the small k used here, and is exact
            // enough to locate the leading digit for any k.
            for _ in 0..<(-exponent) { result /= 10 }
        }
        return result
    }
}

extension Double {
    /// `⌊log10(self)⌋` for a positive finite value, found from the binary exponent.
    fileprivate func exponentBase10() -> Int {
        let estimate = Int((Double(self.exponent) * 0.30102999566398120).rounded(.down))
        return estimate
    }
}

extension DriftReport {
    /// The report as an aligned table, one row per column, drifted columns marked with `*`,
    /// followed by the dataset verdict.
    public func renderedTable() -> String {
        let headers = ["", "column", "type", "n_ref", "n_cur", "miss_ref", "miss_cur", "psi", "ks_d",
                       "p_value", "p_adj", "wasserstein", "w_norm", "js", "chi2", "unseen"]
        let rows = columns.map { column -> [String] in
            let pValue = column.type == .numeric ? column.ksPValue : column.chiSquarePValue
            return [
                column.isDrifted ? "*" : "",
                column.name, column.type.rawValue,
                String(column.referenceCount), String(column.currentCount),
                NumberFormatting.format(column.referenceMissingShare, digits: 3),
                NumberFormatting.format(column.currentMissingShare, digits: 3),
                NumberFormatting.format(column.psi),
                NumberFormatting.format(column.ksStatistic),
                NumberFormatting.format(pValue),
                NumberFormatting.format(column.ksPValueAdjusted),
                NumberFormatting.format(column.wasserstein),
                NumberFormatting.format(column.normalizedWasserstein),
                NumberFormatting.format(column.jensenShannon),
                NumberFormatting.format(column.chiSquare, digits: 2),
                NumberFormatting.format(column.unseenShare, digits: 3),
            ]
        }
        let table = TextTable(headers: headers, rows: rows, rightAligned: Set(3..<headers.count))
        let drifted = columns.count { $0.isDrifted }
        return table.rendered()
            + "\n\(drifted) of \(columns.count) columns drifted (* = drifted; share \(NumberFormatting.fixed(driftedShare, digits: 3))). "
            + "Dataset drift: \(isDatasetDrifted ? "yes" : "no").\n"
            + "p_value is Kolmogorov-Smirnov for numeric columns, chi-square for categorical ones; p_adj is Benjamini-Hochberg.\n"
    }
}

extension MetricsReport {
    /// The report as a two-column table of metric and value, with the reason shown for any
    /// undefined metric.
    public func renderedTable() -> String {
        func value(_ computed: Computed<Double>, digits: Int = 4) -> String {
            switch computed {
            case .value(let value): NumberFormatting.format(value, digits: digits)
            case .undefined(let reason): "undefined (\(reason))"
            }
        }
        func interval(_ computed: Computed<ConfidenceInterval>) -> String {
            switch computed {
            case .value(let ci): "[\(NumberFormatting.format(ci.lower)), \(NumberFormatting.format(ci.upper))]"
            case .undefined: ""
            }
        }
        let rows: [[String]] = [
            ["observations", String(count), ""],
            ["positives", String(positives), ""],
            ["AUROC", value(auroc), interval(aurocInterval)],
            ["average precision", value(averagePrecision), ""],
            ["Brier score", value(brierScore), ""],
            ["log-loss", value(logLoss), ""],
            ["ECE (10 bins)", value(expectedCalibrationError), ""],
            ["calibration intercept", value(calibrationIntercept), ""],
            ["calibration slope", value(calibrationSlope), ""],
            ["threshold", NumberFormatting.format(threshold), ""],
            ["TP / FP / TN / FN", "\(truePositives) / \(falsePositives) / \(trueNegatives) / \(falseNegatives)", ""],
            ["sensitivity", value(sensitivity), interval(sensitivityInterval)],
            ["specificity", value(specificity), interval(specificityInterval)],
            ["PPV", value(positivePredictiveValue), ""],
            ["NPV", value(negativePredictiveValue), ""],
        ]
        return TextTable(headers: ["metric", "value", "95% CI"], rows: rows).rendered()
    }
}
