import VigilStore

/// Adds a batch's stored predictions to its model's open drift window, inside the batch's
/// transaction, closing the window when it is full (by count) or when a prediction of a later
/// period arrives (by duration). A window is the run of the model's prediction rows stored
/// while it was open (`first_row` … `last_row`): their lines, already kept in segments, are
/// what the monitor evaluates, so nothing is stored twice. Windows live in SQLite, so a crash
/// never loses or repeats one.
struct WindowAppender {
    private let database: Database
    private let model: String
    private let config: WindowConfig
    private let now: Double

    private struct OpenWindow {
        var seq: Int64
        var bucket: Int64?
        var count: Int64
        var start: Double?
        var end: Double?
        var firstRow: Int64?
        var lastRow: Int64?
        /// Whether this batch added to it (only then is its wall-time `updated_at` moved,
        /// which `close_after` measures from).
        var touched = false
    }

    private var open: OpenWindow?
    private(set) var closed = 0

    init(database: Database, model: IngestionModelSettings, now: Double) throws {
        self.database = database
        self.model = model.name
        self.config = model.window
        self.now = now
        // The redundant `!= 'evaluated'` lets SQLite use the unevaluated windows' partial index.
        if let row = try database.query(
            """
            SELECT seq, bucket, count, start_ts, end_ts, first_row, last_row FROM windows INDEXED BY windows_unevaluated
            WHERE model = ? AND status != 'evaluated' AND status = 'open'
            """, model.name
        ).first, let seq = row["seq"].int64 {
            open = OpenWindow(seq: seq, bucket: row["bucket"].int64, count: row["count"].int64 ?? 0,
                              start: row["start_ts"].double, end: row["end_ts"].double,
                              firstRow: row["first_row"].int64, lastRow: row["last_row"].int64)
        }
    }

    /// The period a prediction time falls in, for duration windows.
    private func bucket(of timestamp: Double) -> Int64? {
        guard case .duration(let span, _) = config else { return nil }
        return Int64((timestamp / Double(span.seconds)).rounded(.down))
    }

    /// Adds the prediction stored in `row`, made at `timestamp`.
    mutating func append(row: Int64, timestamp: Double) throws {
        let rowBucket = bucket(of: timestamp)
        // A prediction of a later period closes the open duration window first. One of an
        // earlier period (logged late) joins the open window.
        if let current = open, let rowBucket {
            // A window opened as a count window before a reload switched to duration windows
            // has no period: close it too.
            if current.bucket.map({ rowBucket > $0 }) ?? true { try close() }
        }
        if open == nil { try openWindow(bucket: rowBucket) }
        open!.count += 1
        open!.firstRow = open!.firstRow ?? row
        open!.lastRow = row
        open!.touched = true
        if case .predictions(let size) = config {
            open!.start = min(open!.start ?? timestamp, timestamp)
            open!.end = max(open!.end ?? timestamp, timestamp)
            if open!.count >= size { try close() }
        }
    }

    /// Saves the open window's progress; returns how many windows the batch closed.
    mutating func finish(quarantined: Int64) throws -> Int {
        if let window = open, window.touched {
            try database.run(
                """
                UPDATE windows SET count = ?, start_ts = ?, end_ts = ?, first_row = ?, last_row = ?,
                    quarantined = quarantined + ?, updated_at = ? WHERE model = ? AND seq = ?
                """,
                window.count, window.start, window.end, window.firstRow, window.lastRow, quarantined, now, model, window.seq)
        } else if quarantined > 0 {
            try database.run(
                "UPDATE windows SET quarantined = quarantined + ? WHERE model = ? AND status = 'open'", quarantined, model)
        }
        return closed
    }

    private mutating func openWindow(bucket: Int64?) throws {
        let next = (try database.scalar("SELECT max(seq) FROM windows WHERE model = ?", model)?.int64 ?? 0) + 1
        var start: Double?
        var end: Double?
        if let bucket, case .duration(let span, _) = config {
            start = Double(bucket) * Double(span.seconds)
            end = start! + Double(span.seconds)
        }
        try database.run(
            "INSERT INTO windows (model, seq, status, bucket, start_ts, end_ts, count, opened_at, updated_at) VALUES (?, ?, 'open', ?, ?, ?, 0, ?, ?)",
            model, next, bucket, start, end, now, now)
        open = OpenWindow(seq: next, bucket: bucket, count: 0, start: start, end: end)
    }

    private mutating func close() throws {
        guard let window = open else { return }
        try database.run(
            """
            UPDATE windows SET status = 'closed', count = ?, start_ts = ?, end_ts = ?, first_row = ?, last_row = ?,
                updated_at = ?, closed_at = ? WHERE model = ? AND seq = ?
            """,
            window.count, window.start, window.end, window.firstRow, window.lastRow, now, now, model, window.seq)
        open = nil
        closed += 1
    }
}

/// The small numbers standing for a model's subgroup combinations in prediction rows, looked
/// up (and added) within the batch's transaction, once for each combination in the batch.
struct SubgroupKeys {
    private let database: Database
    private let model: String
    private let names: String

    static let separator = "\u{1F}"

    init(database: Database, model: IngestionModelSettings) {
        self.database = database
        self.model = model.name
        self.names = model.layout.subgroups.joined(separator: Self.separator)
    }

    /// The key of a combination of subgroup values; nil when none of them is present.
    func key(for values: [String?]) throws -> Int64? {
        guard values.contains(where: { $0 != nil }) else { return nil }
        let text = values.map { $0 ?? "" }.joined(separator: Self.separator)
        try database.run(
            "INSERT INTO subgroup_keys (model, names, \"values\") VALUES (?, ?, ?) ON CONFLICT DO NOTHING", model, names, text)
        guard let key = try database.scalar(
            "SELECT key FROM subgroup_keys WHERE model = ? AND names = ? AND \"values\" = ?", model, names, text)?.int64 else {
            throw SQLiteError(extendedCode: 1, message: "no key for a subgroup of model \(model)")
        }
        return key
    }
}
