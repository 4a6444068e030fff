import Foundation
import Testing
import VigilTestSupport

/// Headless Chromium (Debian's `chromium`), to open reports as a browser would.
enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Opens `page` headless, writes a screenshot of a `width` × `height` window to `png`; returns Chromium's stderr.
    static func screenshot(_ page: String, to png: String, width: Int, height: Int, profile: String) async throws -> String {
        let result = try await runToCompletion(URL(fileURLWithPath: path!), [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--user-data-dir=\(profile)",
            "--enable-logging=stderr", "--v=0", "--screenshot=\(png)", "--window-size=\(width),\(height)", "file://\(page)",
        ])
        guard result.status == 0, FileManager.default.fileExists(atPath: png) else {
            throw TestFailure("chromium could not screenshot \(page) (status \(result.status)): \(result.stderr.suffix(2_000))")
        }
        return result.stderr
    }

    /// The DOM of `page` after it loaded.
    static func dumpDOM(_ page: String, profile: String) async throws -> (dom: String, stderr: String) {
        let result = try await runToCompletion(URL(fileURLWithPath: path!), [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
            "--enable-logging=stderr", "--v=0", "--dump-dom", "file://\(page)",
        ])
        return (result.stdout, result.stderr)
    }

    /// Lines of Chromium's log that report a page error: a console message or an uncaught exception.
    static func pageErrors(in log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("Refused to") }
    }
}

/// `vigil report` on the state of a real vigild that watched a drifting stream, registered a
/// model and was paused and resumed; the page opened in headless Chromium.
@Suite(.serialized) struct ReportTests {
    @Test("the report of a live model loads in Chromium without errors, every chart has content, and its numbers are the database's",
          .enabled(if: Chromium.path != nil, "chromium is not installed (apt-get install chromium): the report is not opened in a browser"))
    func reportInChromium() async throws {
        let rig = try await LifecycleRig(settings: [
            "promotion: auto", "drift: {for: 2, resolve_for: 1}", "probation: {outcomes: 200, margin: 0.05}",
        ])
        let daemon = try await FileLoggedDaemon(config: rig.config, log: rig.scratch.file("vigild.log"))
        defer { daemon.kill() }
        #expect(try await rig.waitUntil { rig.servingVersion() == 1 })
        try rig.simulator.serve(900, phase: .stable)
        try rig.simulator.serve(900, phase: .assayShift)
        let drifted = try await rig.waitUntil(feeding: .assayShift, feed: 30) {
            let windows = try await sqliteQuery(rig.database, "SELECT count(*) FROM evaluations WHERE kind = 'window' AND model = '\(rig.model)'")
            let alerts = try await sqliteQuery(rig.database, "SELECT count(*) FROM alert_events WHERE model = '\(rig.model)' AND status = 'firing'")
            return (Int(windows.first ?? "") ?? 0) >= 6 && (Int(alerts.first ?? "") ?? 0) >= 1
        }
        await rig.check(drifted, "no drift alert after six windows")
        // The drift starts a retraining: let it run its course (staged, shadow, promoted), so that the
        // timeline has what a real run has; the report is checked whichever stage it reached.
        _ = try await rig.waitUntil(timeout: .seconds(90), feeding: .assayShift, feed: 20) { rig.servingVersion() == 2 }
        let before = try await sqliteQuery(rig.database, "SELECT count(*) FROM evaluations WHERE kind = 'window' AND model = '\(rig.model)'")
        let reason = "assay <script>alert('x')</script> under review"
        let pause = try await rig.vigil(["pause", rig.model, "--reason", reason])
        #expect(pause.status == 0, "\(pause.stderr)")
        let resume = try await rig.vigil(["resume", rig.model, "--reason", "assay recalibrated"])
        #expect(resume.status == 0, "\(resume.stderr)")
        try rig.simulator.serve(600, phase: .stable)
        _ = try await rig.waitUntil {
            let windows = try await sqliteQuery(rig.database, "SELECT count(*) FROM evaluations WHERE kind = 'window' AND model = '\(rig.model)'")
            return (Int(windows.first ?? "") ?? 0) >= (Int(before.first ?? "") ?? 0) + 2
        }
        // The report reads the database directly: it works with vigild down.
        #expect(try await daemon.stop() == 0)

        let page = rig.scratch.file("report.html")
        let run = try await runToCompletion(Binaries.vigil, ["report", rig.model, "--state-dir", rig.scratch.file("state"), "--out", page])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == page)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let unknown = try await runToCompletion(Binaries.vigil, ["report", "no-such-model", "--state-dir", rig.scratch.file("state"), "--out", rig.scratch.file("none.html")])
        #expect(unknown.status == 66)
        #expect(unknown.stderr == "vigil: the state database \(rig.scratch.file("state/vigil.db")) knows no model \"no-such-model\"\n")

        // Self-contained, and the clinician's reason is text, not markup.
        #expect(!html.contains("<script"))
        #expect(html.contains("assay &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; under review"))
        for outside in ["<link", "src=", "url(", "@import", "https:"] { #expect(!html.contains(outside), "\(outside)") }
        #expect(html.components(separatedBy: "http:").count - 1 == html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)

        try await checkNumbers(html, rig: rig)
        try await checkInChromium(html: html, page: page, rig: rig)
    }

    /// The figures in the page are those in the database.
    func checkNumbers(_ html: String, rig: LifecycleRig) async throws {
        let model = rig.model
        let ingested = try await sqliteQuery(rig.database, "SELECT predictions_ingested FROM model_stats WHERE model = '\(model)'")
        #expect(html.contains("<tr id=\"summary-predictions-ingested\"><th scope=\"row\">Predictions ingested</th><td><span data-count=\"\(ingested.first ?? "?")\">"))
        let production = try await sqliteQuery(rig.database, "SELECT version FROM model_versions WHERE model = '\(model)' AND state = 'production'")
        #expect(html.contains("<tr id=\"summary-production-version\"><th scope=\"row\">Production version</th><td>v\(production.first ?? "?") "))

        // Realized and estimated AUROC of every evaluation that has performance figures.
        let stored = try await sqliteQuery(rig.database, """
            SELECT id || '|' || coalesce(auroc, '') || '|' || coalesce(auroc_low, '') || '|' || coalesce(auroc_high, '') || '|' || coalesce(estimated_auroc, '')
            FROM evaluations WHERE model = '\(model)' AND performance_n IS NOT NULL ORDER BY evaluated_at, id
            """)
        let rows = ReportPage.elements(in: html, tag: "tr", after: "id=\"performance-table\"")
        #expect(rows.count == stored.count)
        #expect(stored.count >= 8)
        for (row, line) in zip(rows, stored) {
            let columns = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            #expect(row["data-evaluation"] == columns[0])
            for (index, attribute) in ["data-auroc", "data-auroc-low", "data-auroc-high", "data-estimated-auroc"].enumerated() {
                #expect(Self.same(row[attribute], columns[index + 1]), "\(attribute) of evaluation \(columns[0]): \(row[attribute] ?? "none") vs \(columns[index + 1])")
            }
        }
        #expect(!rows.compactMap { $0["data-auroc"] }.filter { !$0.isEmpty }.isEmpty)

        // PSI of each feature in every window.
        let psi = try await sqliteQuery(rig.database, """
            SELECT e.id || '|' || f.feature || '|' || coalesce(f.psi, '') FROM evaluation_features f JOIN evaluations e ON e.id = f.evaluation
            WHERE e.model = '\(model)' AND f.subgroup = '' ORDER BY e.id, f.feature
            """)
        var shown: [String: String] = [:]
        var evaluation = ""
        for cell in ReportPage.elements(in: html, tag: nil, after: "id=\"drift-table\"") {
            if let id = cell["data-evaluation"] { evaluation = id }
            if let feature = cell["data-feature"], let value = cell["data-psi"] { shown["\(evaluation)|\(feature)"] = value }
        }
        #expect(!psi.isEmpty)
        for line in psi {
            let columns = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            #expect(Self.same(shown["\(columns[0])|\(columns[1])"], columns[2]), "PSI of \(columns[1]) in evaluation \(columns[0])")
        }
        // The drifted lactate is in the heat map with a PSI above the alert threshold in some window.
        #expect(ReportPage.elements(in: html, tag: "rect", after: "id=\"chart-drift\"")
            .contains { $0["data-feature"] == "lactate" && (Double($0["data-psi"] ?? "") ?? 0) > 0.25 })

        // Versions, life-cycle events, alerts and the audit trail: one row per database row.
        let states = try await sqliteQuery(rig.database, "SELECT version || ' ' || state FROM model_versions WHERE model = '\(model)' ORDER BY version")
        let versionRows = ReportPage.elements(in: html, tag: "tr", after: "id=\"versions-table\"").map { "\($0["data-version"] ?? "") \($0["data-state"] ?? "")" }
        #expect(versionRows == states)
        let kinds = try await sqliteQuery(rig.database, "SELECT kind FROM lifecycle_events WHERE model = '\(model)' ORDER BY seq")
        #expect(ReportPage.elements(in: html, tag: "tr", after: "id=\"lifecycle-table\"").compactMap { $0["data-kind"] } == kinds)
        #expect(kinds.contains("paused") && kinds.contains("resumed") && kinds.contains("registered"))
        let alerts = try await sqliteQuery(rig.database, "SELECT seq || ' ' || status FROM alert_events WHERE model = '\(model)' ORDER BY seq")
        #expect(ReportPage.elements(in: html, tag: "tr", after: "id=\"alerts-table\"").map { "\($0["data-seq"] ?? "") \($0["data-status"] ?? "")" } == alerts)
        let audit = try await sqliteQuery(rig.database, "SELECT seq FROM audit WHERE model = '\(model)' ORDER BY seq")
        #expect(Set(ReportPage.elements(in: html, tag: "tr", after: "id=\"audit-table\"").compactMap { $0["data-seq"] }) == Set(audit))
        // The latest window's subgroups.
        let latest = try await sqliteQuery(rig.database, "SELECT details FROM evaluations WHERE model = '\(model)' AND kind = 'window' ORDER BY evaluated_at DESC, id DESC LIMIT 1")
        let details = try JSONSerialization.jsonObject(with: Data((latest.first ?? "{}").utf8)) as? [String: Any]
        let subgroups = (details?["subgroups"] as? [[String: Any]] ?? []).map { "\($0["name"] as? String ?? "")=\($0["value"] as? String ?? "") \($0["n"] as? Int ?? -1)" }
        #expect(!subgroups.isEmpty)
        // The calibration curve is recomputed on the latest performance figures' sample: as many predictions as they counted.
        let sampled = try await sqliteQuery(rig.database, "SELECT performance_n FROM evaluations WHERE model = '\(model)' AND performance_n IS NOT NULL ORDER BY evaluated_at DESC, id DESC LIMIT 1")
        let binned = ReportPage.elements(in: html, tag: "tr", after: "id=\"calibration-table\"").compactMap { $0["data-count"].flatMap { Int($0) } }
        #expect(String(binned.reduce(0, +)) == sampled.first)
        #expect(ReportPage.elements(in: html, tag: "tr", after: "id=\"subgroup-table\"").map { "\($0["data-subgroup"] ?? "") \($0["data-n"] ?? "")" } == subgroups)
    }

    /// The page loads in Chromium without errors, and each chart, rendered alone, draws data marks.
    func checkInChromium(html: String, page: String, rig: LifecycleRig) async throws {
        let profile = rig.scratch.file("chromium")
        let dom = try await Chromium.dumpDOM(page, profile: profile)
        #expect(dom.dom.contains("id=\"chart-performance\""), "the DOM Chromium loaded: \(dom.dom.prefix(500))")
        #expect(Chromium.pageErrors(in: dom.stderr).isEmpty, "\(Chromium.pageErrors(in: dom.stderr))")

        // It prints: the print style sheet lays it out on more than one page.
        let pdf = rig.scratch.file("report.pdf")
        let printed = try await runToCompletion(URL(fileURLWithPath: Chromium.path!), [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)", "--no-pdf-header-footer",
            "--print-to-pdf=\(pdf)", "file://\(page)",
        ])
        #expect(printed.status == 0, "\(printed.stderr.suffix(1_000))")
        let document = FileManager.default.contents(atPath: pdf).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let pages = document.matches(of: /\/Type\s*\/Page(?!s)/).count
        #expect(pages >= 2, "\(pdf) has \(pages) pages")

        let full = rig.scratch.file("report.png")
        let log = try await Chromium.screenshot(page, to: full, width: 1200, height: 3600, profile: profile)
        #expect(Chromium.pageErrors(in: log).isEmpty, "\(Chromium.pageErrors(in: log))")
        let image = try PNGImage(path: full)
        #expect(image.width == 1200)
        #expect(image.chromaticPixels() > 20_000)
        if let keep = ProcessInfo.processInfo.environment["VIGIL_REPORT_SCREENSHOT"], !keep.isEmpty {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: full, toPath: keep)
            try? FileManager.default.removeItem(atPath: keep + ".html")
            try FileManager.default.copyItem(atPath: page, toPath: keep + ".html")
        }

        // Each chart alone, with the page's style sheet and without its caption: its marks are coloured.
        let style = ReportPage.between(html, "<style>", "</style>") ?? ""
        let charts = ReportPage.figures(in: html)
        let ids = charts.map(\.id)
        for expected in ["chart-timeline", "chart-drift", "chart-performance", "chart-calibration"] { #expect(ids.contains(expected), "\(expected) in \(ids)") }
        #expect(ids.contains { $0.hasPrefix("chart-histogram-") }, "\(ids)")
        for chart in charts {
            let alone = rig.scratch.file("\(chart.id).html")
            try """
            <!DOCTYPE html><html><head><meta charset="utf-8"><style>\(style) body { margin: 0; } figure.chart { margin: 0; } figcaption { display: none; }</style></head>
            <body>\(chart.html)</body></html>
            """.write(toFile: alone, atomically: true, encoding: .utf8)
            let png = rig.scratch.file("\(chart.id).png")
            // A tall window: Chromium paints small windows only in part.
            let log = try await Chromium.screenshot(alone, to: png, width: 1200, height: max(600, chart.height + 200), profile: profile)
            #expect(Chromium.pageErrors(in: log).isEmpty, "\(chart.id): \(Chromium.pageErrors(in: log))")
            if let keep = ProcessInfo.processInfo.environment["VIGIL_REPORT_CHARTS"], !keep.isEmpty {
                try? FileManager.default.copyItem(atPath: png, toPath: keep + "/" + chart.id + ".png")
                try? FileManager.default.copyItem(atPath: alone, toPath: keep + "/" + chart.id + ".html")
            }
            let image = try PNGImage(path: png)
            #expect(image.chromaticPixels() >= 150, "\(chart.id) draws \(image.chromaticPixels()) coloured pixels")
            #expect(image.nonWhitePixels() >= 1_000, "\(chart.id) draws \(image.nonWhitePixels()) non-white pixels")
        }
    }

    /// Whether a `data-` attribute and a value printed by the sqlite3 shell (15 significant digits) are the same number, or both empty.
    static func same(_ attribute: String?, _ shell: String) -> Bool {
        let attribute = attribute ?? ""
        if attribute.isEmpty || shell.isEmpty { return attribute.isEmpty && shell.isEmpty }
        guard let a = Double(attribute), let b = Double(shell) else { return false }
        return abs(a - b) <= 1e-12 * max(1, abs(a))
    }
}

/// Reading the report's HTML back in a test.
enum ReportPage {
    /// The attributes of each start tag (`tag`, or any) after `marker`, up to the next `</table>` or `</svg>`.
    static func elements(in html: String, tag: String?, after marker: String) -> [[String: String]] {
        guard let start = html.range(of: marker) else { return [] }
        let ends = ["</table>", "</svg>"].compactMap { html.range(of: $0, range: start.upperBound..<html.endIndex)?.lowerBound }
        let end = ends.min() ?? html.endIndex
        var result: [[String: String]] = []
        for piece in html[start.upperBound..<end].components(separatedBy: "<").dropFirst() {
            guard let close = piece.firstIndex(of: ">") else { continue }
            let text = String(piece[..<close])
            let name = String(text.prefix { $0 != " " && $0 != "/" })
            guard tag == nil || name == tag else { continue }
            var attributes: [String: String] = [:]
            for match in text.matches(of: /([a-z-]+)="([^"]*)"/) { attributes[String(match.1)] = String(match.2) }
            // Header rows and unlabelled elements carry no figures.
            guard !attributes.isEmpty else { continue }
            result.append(attributes)
        }
        return result
    }

    static func between(_ text: String, _ start: String, _ end: String) -> String? {
        guard let from = text.range(of: start), let to = text.range(of: end, range: from.upperBound..<text.endIndex) else { return nil }
        return String(text[from.upperBound..<to.lowerBound])
    }

    /// Every `<figure class="chart">` of the page: its id, its HTML and its SVG's height.
    static func figures(in html: String) -> [(id: String, html: String, height: Int)] {
        html.components(separatedBy: "<figure class=\"chart\" id=\"").dropFirst().compactMap { piece in
            guard let quote = piece.firstIndex(of: "\""), let end = piece.range(of: "</figure>") else { return nil }
            let id = String(piece[..<quote])
            let height = piece.firstMatch(of: /height="(\d+)"/).flatMap { Int($0.1) } ?? 400
            return (id, "<figure class=\"chart\" id=\"" + String(piece[..<end.upperBound]), height)
        }
    }
}

/// vigild with its log in a file rather than a pipe: `RunningProcess` reads pipes through
/// `FileHandle.readabilityHandler`, whose teardown intermittently crashes the test process
/// on Linux in `_dispatch_event_loop_drain` (swift-corelibs-libdispatch issue 949).
final class FileLoggedDaemon {
    let process = Process()
    let log: String

    init(config: String, log: String) async throws {
        self.log = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = Binaries.vigild
        process.arguments = ["--config", config]
        process.environment = childEnvironment(adding: ["VIGIL_LOG_TARGET": "stderr"])
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if text.contains("started") { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("vigild did not start: \(text.suffix(2_000))")
    }

    var text: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// SIGTERM, then its exit status.
    func stop() async throws -> Int32 {
        Foundation.kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        guard !process.isRunning else { throw TestFailure("vigild did not stop within 30 s: \(text.suffix(2_000))") }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}
