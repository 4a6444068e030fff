import Foundation

/// The report's inline SVG charts. Each chart is a `<figure class="chart">` holding one `<svg
/// role="img">` with a `<title>` and `<desc>`, and a caption that says in words what it shows.
/// Colours are from the Okabe–Ito palette (distinguishable with the common colour-vision
/// deficiencies); the heat map uses a single-hue sequential scale, readable in grey too.
enum ReportCharts {
    static let blue = "#0072B2"
    static let orange = "#E69F00"
    static let skyBlue = "#56B4E9"
    static let green = "#009E73"
    static let vermillion = "#D55E00"
    static let purple = "#CC79A7"
    static let grey = "#6b6b6b"

    /// PSI bands of the heat map: upper bound (exclusive), fill, and whether text on it should be white.
    static let psiBands: [(upper: Double, fill: String, label: String, light: Bool)] = [
        (0.05, "#fff7ec", "< 0.05", false),
        (0.10, "#fdd49e", "0.05–0.10", false),
        (0.20, "#fc8d59", "0.10–0.20", false),
        (0.25, "#d7301f", "0.20–0.25", true),
        (.infinity, "#7f0000", "≥ 0.25", true),
    ]

    static func band(of psi: Double) -> (fill: String, light: Bool) {
        let band = psiBands.first { psi < $0.upper } ?? psiBands[psiBands.count - 1]
        return (band.fill, band.light)
    }

    /// Wraps an SVG body as an accessible figure.
    static func figure(id: String, width: Double, height: Double, title: String, description: String, caption: String, body: String) -> String {
        """
        <figure class="chart" id="\(id)" data-chart="\(id)">
        <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="\(id)-title \(id)-desc" viewBox="0 0 \(Int(width)) \(Int(height))" width="\(Int(width))" height="\(Int(height))">
        <title id="\(id)-title">\(HTMLText.escape(title))</title>
        <desc id="\(id)-desc">\(HTMLText.escape(description))</desc>
        \(body)
        </svg>
        <figcaption>\(HTMLText.escape(caption))</figcaption>
        </figure>
        """
    }

    static func text(_ x: Double, _ y: Double, _ content: String, anchor: String = "start", size: Int = 11, fill: String = "#222", extra: String = "") -> String {
        "<text x=\"\(HTMLText.coordinate(x))\" y=\"\(HTMLText.coordinate(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\" fill=\"\(fill)\"\(extra)>\(HTMLText.escape(content))</text>"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#999", width: Double = 1, dash: String? = nil) -> String {
        "<line x1=\"\(HTMLText.coordinate(x1))\" y1=\"\(HTMLText.coordinate(y1))\" x2=\"\(HTMLText.coordinate(x2))\" y2=\"\(HTMLText.coordinate(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(width)\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
    }

    static func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) -> String {
        let list = points.map { "\(HTMLText.coordinate($0.0)),\(HTMLText.coordinate($0.1))" }.joined(separator: " ")
        return "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(width)\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
    }

    // MARK: Heat map

    /// Features (rows) × windows (columns), each cell coloured by its PSI band.
    static func heatMap(features: [String], windows: [Int64], psi: (Int, Int) -> Double?, drifted: (Int, Int) -> Bool) -> (body: String, width: Double, height: Double) {
        let left = 130.0, top = 24.0, right = 10.0
        let cell = max(6, min(44, (1040 - left - right) / Double(max(windows.count, 1))))
        let rowHeight = 26.0
        let width = left + cell * Double(windows.count) + right
        let legendTop = top + rowHeight * Double(features.count) + 34
        let height = legendTop + 30
        var body = ""
        let labelEvery = max(1, Int((28 / cell).rounded(.up)))
        for (column, seq) in windows.enumerated() where column % labelEvery == 0 || column == windows.count - 1 {
            body += text(left + cell * (Double(column) + 0.5), top - 8, String(seq), anchor: "middle", size: 10, fill: grey)
        }
        for (row, feature) in features.enumerated() {
            let y = top + rowHeight * Double(row)
            body += text(left - 8, y + rowHeight / 2 + 4, feature, anchor: "end", size: 12)
            for column in windows.indices {
                let x = left + cell * Double(column)
                guard let value = psi(row, column) else {
                    body += "<rect x=\"\(HTMLText.coordinate(x))\" y=\"\(HTMLText.coordinate(y))\" width=\"\(HTMLText.coordinate(cell - 1))\" height=\"\(HTMLText.coordinate(rowHeight - 2))\" fill=\"#eeeeee\"><title>\(HTMLText.escape("\(feature), window \(windows[column]): not evaluated"))</title></rect>"
                    continue
                }
                let band = band(of: value)
                let mark = drifted(row, column)
                body += "<rect x=\"\(HTMLText.coordinate(x))\" y=\"\(HTMLText.coordinate(y))\" width=\"\(HTMLText.coordinate(cell - 1))\" height=\"\(HTMLText.coordinate(rowHeight - 2))\" fill=\"\(band.fill)\" data-feature=\"\(HTMLText.escape(feature))\" data-window=\"\(windows[column])\" data-psi=\"\(HTMLText.attribute(value))\"><title>\(HTMLText.escape("\(feature), window \(windows[column]): PSI \(HTMLText.number(value))\(mark ? ", drifted" : "")"))</title></rect>"
                if mark && cell >= 12 {
                    body += text(x + (cell - 1) / 2, y + rowHeight / 2 + 4, "●", anchor: "middle", size: 9, fill: band.light ? "#fff" : "#000")
                }
            }
        }
        body += text(left - 8, top + rowHeight * Double(features.count) + 14, "window", anchor: "end", size: 10, fill: grey)
        var x = left
        body += text(x, legendTop + 14, "PSI:", size: 11)
        x += 34
        for band in psiBands {
            body += "<rect x=\"\(HTMLText.coordinate(x))\" y=\"\(HTMLText.coordinate(legendTop + 2))\" width=\"18\" height=\"16\" fill=\"\(band.fill)\" stroke=\"#999\" stroke-width=\"0.5\"/>"
            body += text(x + 22, legendTop + 14, band.label, size: 11)
            x += 100
        }
        body += text(x, legendTop + 14, "● drifted (by the configured test)", size: 11)
        return (body, max(width, 900), height)
    }

    // MARK: Lines

    /// A chart of values between `yRange` against points 0..<count: a band, lines and a reference line.
    struct Series {
        var label: String
        var values: [Double?]
        var colour: String
        var dash: String?
    }

    static func lineChart(xLabels: [String], yRange: ClosedRange<Double>, yLabel: String, band: [(Double, Double)?], series: [Series],
                          referenceLine: (value: Double, label: String)?) -> (body: String, width: Double, height: Double) {
        let left = 52.0, top = 16.0, plotWidth = 900.0, plotHeight = 240.0
        let width = left + plotWidth + 150, height = top + plotHeight + 44
        let count = max(xLabels.count, 1)
        func x(_ index: Int) -> Double { count == 1 ? left + plotWidth / 2 : left + plotWidth * Double(index) / Double(count - 1) }
        func y(_ value: Double) -> Double {
            let clamped = min(max(value, yRange.lowerBound), yRange.upperBound)
            return top + plotHeight * (1 - (clamped - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound))
        }
        var body = "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
        let step = (yRange.upperBound - yRange.lowerBound) / 5
        for tick in 0...5 {
            let value = yRange.lowerBound + step * Double(tick)
            body += line(left, y(value), left + plotWidth, y(value), stroke: "#e2e2e2")
            body += text(left - 6, y(value) + 4, HTMLText.number(value, digits: 2), anchor: "end", size: 10, fill: grey)
        }
        let labelEvery = max(1, Int((Double(count) * 40 / plotWidth).rounded(.up)))
        for (index, label) in xLabels.enumerated() where index % labelEvery == 0 || index == count - 1 {
            body += text(x(index), top + plotHeight + 14, label, anchor: "middle", size: 10, fill: grey)
        }
        body += text(12, top + plotHeight / 2, yLabel, anchor: "middle", size: 11, extra: " transform=\"rotate(-90 12 \(HTMLText.coordinate(top + plotHeight / 2)))\"")
        if let referenceLine {
            body += line(left, y(referenceLine.value), left + plotWidth, y(referenceLine.value), stroke: vermillion, width: 1, dash: "2 3")
            body += text(left + plotWidth + 6, y(referenceLine.value) + 4, referenceLine.label, size: 10, fill: vermillion)
        }
        // The band, drawn as one polygon per run of consecutive points that have it.
        var run: [(Int, (Double, Double))] = []
        func flush() {
            guard !run.isEmpty else { return }
            let upper = run.map { "\(HTMLText.coordinate(x($0.0))),\(HTMLText.coordinate(y($0.1.1)))" }
            let lower = run.reversed().map { "\(HTMLText.coordinate(x($0.0))),\(HTMLText.coordinate(y($0.1.0)))" }
            let points = run.count == 1
                ? ["\(HTMLText.coordinate(x(run[0].0) - 3)),\(HTMLText.coordinate(y(run[0].1.1)))", "\(HTMLText.coordinate(x(run[0].0) + 3)),\(HTMLText.coordinate(y(run[0].1.1)))",
                   "\(HTMLText.coordinate(x(run[0].0) + 3)),\(HTMLText.coordinate(y(run[0].1.0)))", "\(HTMLText.coordinate(x(run[0].0) - 3)),\(HTMLText.coordinate(y(run[0].1.0)))"]
                : upper + lower
            body += "<polygon points=\"\(points.joined(separator: " "))\" fill=\"\(skyBlue)\" fill-opacity=\"0.35\" stroke=\"none\"/>"
            run = []
        }
        for (index, value) in band.enumerated() {
            if let value { run.append((index, value)) } else { flush() }
        }
        flush()
        for series in series {
            var points: [(Double, Double)] = []
            for (index, value) in series.values.enumerated() {
                if let value {
                    points.append((x(index), y(value)))
                } else if !points.isEmpty {
                    body += polyline(points, stroke: series.colour, dash: series.dash)
                    points = []
                }
            }
            if !points.isEmpty { body += polyline(points, stroke: series.colour, dash: series.dash) }
            for (index, value) in series.values.enumerated() {
                if let value {
                    body += "<circle cx=\"\(HTMLText.coordinate(x(index)))\" cy=\"\(HTMLText.coordinate(y(value)))\" r=\"2.5\" fill=\"\(series.colour)\"/>"
                }
            }
        }
        var legendY = top + 10
        for series in series {
            body += line(left + plotWidth + 8, legendY, left + plotWidth + 30, legendY, stroke: series.colour, width: 2, dash: series.dash)
            body += text(left + plotWidth + 34, legendY + 4, series.label, size: 11)
            legendY += 18
        }
        if band.contains(where: { $0 != nil }) {
            body += "<rect x=\"\(HTMLText.coordinate(left + plotWidth + 8))\" y=\"\(HTMLText.coordinate(legendY - 6))\" width=\"22\" height=\"12\" fill=\"\(skyBlue)\" fill-opacity=\"0.35\"/>"
            body += text(left + plotWidth + 34, legendY + 4, "95% CI", size: 11)
        }
        return (body, width, height)
    }

    // MARK: Bars

    /// Reference and current shares side by side per bin.
    static func histogram(labels: [String], reference: [Int], current: [Int]) -> (body: String, width: Double, height: Double) {
        let left = 44.0, top = 12.0, plotHeight = 140.0
        let group = max(26, min(60, 420 / Double(max(labels.count, 1))))
        let plotWidth = group * Double(labels.count)
        let width = max(left + plotWidth + 10, 330), height = top + plotHeight + 62
        let referenceTotal = Double(max(reference.reduce(0, +), 1)), currentTotal = Double(max(current.reduce(0, +), 1))
        let shares = zip(reference, current).map { (Double($0) / referenceTotal, Double($1) / currentTotal) }
        let top1 = max(shares.map { max($0.0, $0.1) }.max() ?? 0, 0.01)
        func y(_ share: Double) -> Double { top + plotHeight * (1 - share / top1) }
        var body = line(left, top + plotHeight, left + plotWidth, top + plotHeight, stroke: "#888")
        for tick in [0.0, top1 / 2, top1] {
            body += text(left - 4, y(tick) + 4, "\(Int((tick * 100).rounded()))%", anchor: "end", size: 9, fill: grey)
        }
        for (index, share) in shares.enumerated() {
            let x = left + group * Double(index)
            let bar = (group - 6) / 2
            body += "<rect x=\"\(HTMLText.coordinate(x + 3))\" y=\"\(HTMLText.coordinate(y(share.0)))\" width=\"\(HTMLText.coordinate(bar))\" height=\"\(HTMLText.coordinate(top + plotHeight - y(share.0)))\" fill=\"\(grey)\" fill-opacity=\"0.55\"><title>\(HTMLText.escape("\(labels[index]): reference \(HTMLText.number(share.0 * 100, digits: 1))%"))</title></rect>"
            body += "<rect x=\"\(HTMLText.coordinate(x + 3 + bar))\" y=\"\(HTMLText.coordinate(y(share.1)))\" width=\"\(HTMLText.coordinate(bar))\" height=\"\(HTMLText.coordinate(top + plotHeight - y(share.1)))\" fill=\"\(orange)\"><title>\(HTMLText.escape("\(labels[index]): latest window \(HTMLText.number(share.1 * 100, digits: 1))%"))</title></rect>"
            body += text(x + group / 2, top + plotHeight + 12, labels[index], anchor: "end", size: 9, fill: grey,
                         extra: " transform=\"rotate(-35 \(HTMLText.coordinate(x + group / 2)) \(HTMLText.coordinate(top + plotHeight + 12)))\"")
        }
        body += "<rect x=\"\(left)\" y=\"\(HTMLText.coordinate(height - 12))\" width=\"12\" height=\"10\" fill=\"\(grey)\" fill-opacity=\"0.55\"/>"
        body += text(left + 16, height - 3, "reference", size: 10)
        body += "<rect x=\"\(left + 80)\" y=\"\(HTMLText.coordinate(height - 12))\" width=\"12\" height=\"10\" fill=\"\(orange)\"/>"
        body += text(left + 96, height - 3, "latest window", size: 10)
        return (body, width, height)
    }

    // MARK: Calibration

    static func calibration(_ bins: [ModelReportData.CalibrationBin]) -> (body: String, width: Double, height: Double) {
        let left = 48.0, top = 12.0, size = 240.0
        let width = left + size + 20, height = top + size + 40
        func x(_ value: Double) -> Double { left + size * value }
        func y(_ value: Double) -> Double { top + size * (1 - value) }
        var body = "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(size)\" height=\"\(size)\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            body += text(left - 5, y(tick) + 4, HTMLText.number(tick, digits: 2), anchor: "end", size: 9, fill: grey)
            body += text(x(tick), top + size + 13, HTMLText.number(tick, digits: 2), anchor: "middle", size: 9, fill: grey)
        }
        body += line(x(0), y(0), x(1), y(1), stroke: grey, dash: "4 3")
        body += text(left + size / 2, height - 6, "mean predicted risk", anchor: "middle", size: 10)
        body += text(12, top + size / 2, "observed rate", anchor: "middle", size: 10, extra: " transform=\"rotate(-90 12 \(HTMLText.coordinate(top + size / 2)))\"")
        body += polyline(bins.map { (x($0.meanScore), y($0.eventRate)) }, stroke: blue)
        let largest = Double(bins.map(\.count).max() ?? 1)
        for bin in bins {
            let radius = 2.5 + 4.5 * (Double(bin.count) / largest).squareRoot()
            body += "<circle cx=\"\(HTMLText.coordinate(x(bin.meanScore)))\" cy=\"\(HTMLText.coordinate(y(bin.eventRate)))\" r=\"\(HTMLText.coordinate(radius))\" fill=\"\(blue)\"><title>\(HTMLText.escape("scores \(HTMLText.number(bin.lower, digits: 1))–\(HTMLText.number(bin.upper, digits: 1)): n \(bin.count), mean risk \(HTMLText.number(bin.meanScore)), observed \(HTMLText.number(bin.eventRate))"))</title></circle>"
        }
        return (body, width, height)
    }

    // MARK: Timeline

    /// Life-cycle events on a time axis, one lane per kind of event.
    static func timeline(events: [(time: Double, lane: String, label: String, colour: String)]) -> (body: String, width: Double, height: Double) {
        let lanes = events.reduce(into: [String]()) { if !$0.contains($1.lane) { $0.append($1.lane) } }
        let left = 120.0, top = 10.0, plotWidth = 900.0, laneHeight = 24.0
        let width = left + plotWidth + 30, height = top + laneHeight * Double(lanes.count) + 34
        let times = events.map(\.time)
        let first = times.min() ?? 0, last = times.max() ?? 1
        let span = max(last - first, 1)
        func x(_ time: Double) -> Double { left + plotWidth * (time - first) / span }
        var body = ""
        for (index, lane) in lanes.enumerated() {
            let y = top + laneHeight * (Double(index) + 0.5)
            body += line(left, y, left + plotWidth, y, stroke: "#e2e2e2")
            body += text(left - 8, y + 4, lane, anchor: "end", size: 11)
        }
        for event in events {
            let y = top + laneHeight * (Double(lanes.firstIndex(of: event.lane) ?? 0) + 0.5)
            body += "<circle cx=\"\(HTMLText.coordinate(x(event.time)))\" cy=\"\(HTMLText.coordinate(y))\" r=\"6\" fill=\"\(event.colour)\" stroke=\"#fff\" stroke-width=\"1\"><title>\(HTMLText.escape(event.label))</title></circle>"
        }
        let axis = top + laneHeight * Double(lanes.count) + 6
        body += line(left, axis, left + plotWidth, axis, stroke: "#888")
        body += text(left, axis + 16, RFC3339Short.string(first), size: 10, fill: grey)
        body += text(left + plotWidth, axis + 16, RFC3339Short.string(last), anchor: "end", size: 10, fill: grey)
        return (body, width, height)
    }
}

/// Times as the report shows them: `2026-11-29 16:20:05Z`.
enum RFC3339Short {
    static func string(_ seconds: Double) -> String {
        let date = Date(timeIntervalSince1970: seconds)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}
