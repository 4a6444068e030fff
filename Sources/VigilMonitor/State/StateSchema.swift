import VigilStore

/// The history of Vigil's state database schema. Append new migrations; never edit a shipped one.
public enum StateSchema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "daemon runs and models", sql: """
            CREATE TABLE daemon_runs (
                id INTEGER PRIMARY KEY,
                started_at TEXT NOT NULL,
                stopped_at TEXT,
                pid INTEGER NOT NULL,
                version TEXT NOT NULL,
                config_path TEXT NOT NULL
            );
            CREATE TABLE models (
                name TEXT PRIMARY KEY,
                first_configured_at TEXT NOT NULL
            );
            """),
    ]

    /// The schema version this build writes.
    public static var currentVersion: Int { migrations.last?.version ?? 0 }
}
