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
        Migration(version: 2, name: "ingestion: checkpoints, predictions, outcomes, quarantine, counters", sql: """
            -- Where reading each log stands; committed with everything derived from the lines before it.
            CREATE TABLE file_checkpoints (
                model TEXT NOT NULL,
                stream TEXT NOT NULL CHECK (stream IN ('predictions', 'outcomes')),
                path TEXT NOT NULL,
                device INTEGER,
                inode INTEGER,
                fingerprint INTEGER,
                fingerprint_length INTEGER,
                byte_offset INTEGER NOT NULL DEFAULT 0,
                line INTEGER NOT NULL DEFAULT 0,
                rotations INTEGER NOT NULL DEFAULT 0,
                truncations INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (model, stream)
            ) WITHOUT ROWID;
            -- The prediction lines of one commit, as logged, one after another (each followed by a
            -- newline): stored in one row per batch instead of one per line, which keeps ingestion
            -- fast. A segment also bounds its predictions' rows and expiry times, so that expiry
            -- can sweep row ranges without an index over every pending prediction.
            CREATE TABLE prediction_segments (
                segment INTEGER PRIMARY KEY,
                model TEXT NOT NULL,
                first_row INTEGER NOT NULL,
                last_row INTEGER NOT NULL,
                min_expires_at REAL NOT NULL,
                max_expires_at REAL NOT NULL,
                -- 1 once every prediction in it is past its wait: nothing in it is pending.
                swept INTEGER NOT NULL DEFAULT 0,
                lines BLOB NOT NULL
            );
            CREATE INDEX prediction_segments_unswept ON prediction_segments (model, min_expires_at) WHERE swept = 0;
            -- A small number for each model name, so that the prediction rows and their index
            -- (the bulk of the database) carry an integer instead of the name.
            CREATE TABLE model_keys (
                key INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE
            );
            -- Every prediction: pending its outcome, joined (a labeled example), or unlabeled (expired).
            -- Its line is bytes line_start ..< line_start + line_length of its segment's lines.
            CREATE TABLE predictions (
                row INTEGER PRIMARY KEY,
                model_key INTEGER NOT NULL,
                id TEXT NOT NULL,
                ts REAL NOT NULL,
                expires_at REAL NOT NULL,
                score REAL NOT NULL,
                version TEXT,
                segment INTEGER NOT NULL,
                line_start INTEGER NOT NULL,
                line_length INTEGER NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'joined', 'unlabeled')),
                label INTEGER,
                outcome_ts REAL
            );
            CREATE UNIQUE INDEX predictions_by_id ON predictions (model_key, id);
            -- Every outcome: pending its prediction, joined, or orphaned (its prediction never came in time).
            CREATE TABLE outcomes (
                model TEXT NOT NULL,
                id TEXT NOT NULL,
                ts REAL NOT NULL,
                expires_at REAL NOT NULL,
                label INTEGER NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'joined', 'orphaned')),
                PRIMARY KEY (model, id)
            ) WITHOUT ROWID;
            CREATE INDEX outcomes_pending_expiry ON outcomes (model, expires_at) WHERE status = 'pending';
            -- Lines that could not be used, with where and why.
            CREATE TABLE quarantine (
                seq INTEGER PRIMARY KEY,
                model TEXT NOT NULL,
                stream TEXT NOT NULL,
                path TEXT NOT NULL,
                byte_offset INTEGER NOT NULL,
                line INTEGER NOT NULL,
                reason TEXT NOT NULL,
                detail TEXT NOT NULL,
                excerpt BLOB NOT NULL,
                quarantined_at REAL NOT NULL
            );
            CREATE INDEX quarantine_by_model ON quarantine (model, seq);
            -- Per-model counters, kept exact by updating them in the same transactions as the lines.
            CREATE TABLE model_stats (
                model TEXT PRIMARY KEY,
                predictions_ingested INTEGER NOT NULL DEFAULT 0,
                outcomes_ingested INTEGER NOT NULL DEFAULT 0,
                joined INTEGER NOT NULL DEFAULT 0,
                quarantined INTEGER NOT NULL DEFAULT 0,
                foreign_lines INTEGER NOT NULL DEFAULT 0,
                pending_predictions INTEGER NOT NULL DEFAULT 0,
                pending_outcomes INTEGER NOT NULL DEFAULT 0,
                predictions_unlabeled INTEGER NOT NULL DEFAULT 0,
                outcomes_orphaned INTEGER NOT NULL DEFAULT 0,
                last_prediction_ts REAL,
                prediction_watermark REAL,
                outcome_watermark REAL
            ) WITHOUT ROWID;
            -- Features seen in predictions that the model's schema does not list, counted by name.
            CREATE TABLE unknown_features (
                model TEXT NOT NULL,
                name TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (model, name)
            ) WITHOUT ROWID;
            """),
        Migration(version: 3, name: "control: model state and the audit trail", sql: """
            -- Whether each model's output may be used: paused by a clinical owner, or active.
            CREATE TABLE model_state (
                model TEXT PRIMARY KEY,
                status TEXT NOT NULL CHECK (status IN ('active', 'paused')),
                reason TEXT,
                changed_at TEXT NOT NULL,
                changed_by TEXT NOT NULL
            ) WITHOUT ROWID;
            -- Every action taken through the control socket, and every refusal: append-only.
            CREATE TABLE audit (
                seq INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                uid INTEGER NOT NULL,
                user TEXT NOT NULL,
                role TEXT NOT NULL,
                command TEXT NOT NULL,
                model TEXT,
                arguments TEXT NOT NULL,
                result TEXT NOT NULL
            );
            CREATE INDEX audit_by_model ON audit (model, seq);
            CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
            CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
            """),
        Migration(version: 4, name: "monitoring: windows, evaluations, alerts", sql: """
            -- The subgroup a prediction belongs to (its values of the configured subgroup
            -- attributes), as a small number per distinct combination.
            ALTER TABLE predictions ADD COLUMN subgroup INTEGER;
            CREATE TABLE subgroup_keys (
                key INTEGER PRIMARY KEY,
                model TEXT NOT NULL,
                -- The attribute names and values, each list joined with the unit separator (0x1F).
                names TEXT NOT NULL,
                "values" TEXT NOT NULL,
                UNIQUE (model, names, "values")
            );
            -- Rolling performance reads the most recent joined predictions by prediction time.
            CREATE INDEX predictions_joined ON predictions (model_key, ts) WHERE status = 'joined';
            -- Windows of predictions for drift: one open per model, filled by ingestion in the
            -- same transactions as the lines, closed by count, by prediction time or by wall
            -- time, then evaluated once. A window is the model's prediction rows first_row ..
            -- last_row: their lines (in prediction_segments) are what is evaluated.
            CREATE TABLE windows (
                model TEXT NOT NULL,
                seq INTEGER NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'evaluated')),
                -- For duration windows: floor(ts / duration) of the window.
                bucket INTEGER,
                start_ts REAL,
                end_ts REAL,
                count INTEGER NOT NULL DEFAULT 0,
                first_row INTEGER,
                last_row INTEGER,
                -- Lines quarantined while the window was open, for the quarantine rate.
                quarantined INTEGER NOT NULL DEFAULT 0,
                opened_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                closed_at REAL,
                PRIMARY KEY (model, seq)
            ) WITHOUT ROWID;
            CREATE INDEX windows_unevaluated ON windows (model, seq) WHERE status != 'evaluated';
            -- The reference a model's inputs are compared with: from its reference file, or its
            -- first window when it has none (a baseline), as ReferenceProfile JSON.
            CREATE TABLE reference_profiles (
                model TEXT PRIMARY KEY,
                source TEXT NOT NULL,
                created_at REAL NOT NULL,
                profile TEXT NOT NULL
            ) WITHOUT ROWID;
            -- Every evaluation: of a closed window (kind 'window'), or of performance alone when
            -- late outcomes arrived (kind 'performance'). `details` is its JSON as `vigil history` shows it.
            CREATE TABLE evaluations (
                id INTEGER PRIMARY KEY,
                model TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('window', 'performance')),
                version TEXT,
                window_seq INTEGER,
                window_start REAL,
                window_end REAL,
                evaluated_at REAL NOT NULL,
                n INTEGER NOT NULL,
                drifted_share REAL,
                score_psi REAL,
                performance_n INTEGER,
                auroc REAL,
                auroc_low REAL,
                auroc_high REAL,
                ece REAL,
                sensitivity REAL,
                specificity REAL,
                estimated_auroc REAL,
                estimated_sensitivity REAL,
                details TEXT NOT NULL
            );
            CREATE INDEX evaluations_by_model ON evaluations (model, evaluated_at);
            -- Each feature's statistics in each window evaluation, overall (subgroup '') and per subgroup.
            CREATE TABLE evaluation_features (
                evaluation INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
                feature TEXT NOT NULL,
                subgroup TEXT NOT NULL,
                type TEXT NOT NULL,
                n INTEGER NOT NULL,
                psi REAL,
                ks_statistic REAL,
                ks_pvalue REAL,
                ks_pvalue_adjusted REAL,
                wasserstein REAL,
                jensen_shannon REAL,
                chi2 REAL,
                chi2_pvalue REAL,
                missing_share REAL,
                unseen_share REAL,
                drifted INTEGER NOT NULL,
                PRIMARY KEY (evaluation, feature, subgroup)
            ) WITHOUT ROWID;
            -- Where each alert's state machine stands: one row per (model, rule, feature, subgroup, check).
            CREATE TABLE alert_states (
                model TEXT NOT NULL,
                rule TEXT NOT NULL,
                feature TEXT NOT NULL,
                subgroup TEXT NOT NULL,
                "check" TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('inactive', 'pending', 'firing', 'resolved')),
                breaches INTEGER NOT NULL,
                clears INTEGER NOT NULL,
                resolved_at_ts REAL,
                -- The alert as last sent (Alert JSON), present once it has fired.
                alert TEXT,
                updated_at REAL NOT NULL,
                PRIMARY KEY (model, rule, feature, subgroup, "check")
            ) WITHOUT ROWID;
            -- Every alert transition (firing, resolved), for history and reports.
            CREATE TABLE alert_events (
                seq INTEGER PRIMARY KEY,
                at REAL NOT NULL,
                model TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
                alert TEXT NOT NULL
            );
            CREATE INDEX alert_events_by_model ON alert_events (model, seq);
            """),
        Migration(version: 5, name: "life cycle: the model registry, its events, retraining runs, shadow scores", sql: """
            -- Every version of every model and the state it is in. The registry is the truth;
            -- serving.json is rewritten from it (and repaired from it at start-up).
            CREATE TABLE model_versions (
                model TEXT NOT NULL,
                version INTEGER NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('candidate', 'rejected', 'staged', 'awaiting_approval',
                    'production', 'previous', 'retired', 'rolled_back')),
                origin TEXT NOT NULL CHECK (origin IN ('registered', 'retrained')),
                path TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                created_at TEXT NOT NULL,
                validation_auroc REAL,
                -- The retraining run that produced it.
                retrain_run INTEGER,
                -- Gate results on the held-out rows, and in shadow (GateReport JSON).
                gates TEXT,
                shadow TEXT,
                -- Shadow scoring covers predictions stored after this row.
                shadow_after_row INTEGER,
                -- Probation: predictions stored after this row are the version's own; the AUROC
                -- it must keep up with (the previous version's on the same held-out outcomes).
                promoted_at TEXT,
                probation_after_row INTEGER,
                probation_baseline_auroc REAL,
                probation TEXT,
                PRIMARY KEY (model, version)
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX model_versions_one_production ON model_versions (model) WHERE state = 'production';
            -- Every life-cycle transition, with time, actor and reason: what `vigil history` lists.
            CREATE TABLE lifecycle_events (
                seq INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                model TEXT NOT NULL,
                version INTEGER,
                kind TEXT NOT NULL,
                from_state TEXT,
                to_state TEXT,
                actor TEXT NOT NULL,
                reason TEXT NOT NULL,
                details TEXT NOT NULL DEFAULT '{}'
            );
            CREATE INDEX lifecycle_events_by_model ON lifecycle_events (model, seq);
            -- Every retraining attempt; one still 'running' at start-up was interrupted and is failed then.
            CREATE TABLE retrain_runs (
                id INTEGER PRIMARY KEY,
                model TEXT NOT NULL,
                trigger TEXT NOT NULL,
                requested_by TEXT NOT NULL,
                started_at TEXT NOT NULL,
                finished_at TEXT,
                status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
                detail TEXT,
                candidate INTEGER
            );
            CREATE INDEX retrain_runs_by_model ON retrain_runs (model, id);
            -- A staged candidate's score for each prediction stored while it was staged, beside
            -- the production score in predictions; never visible to the serving side.
            CREATE TABLE shadow_scores (
                model TEXT NOT NULL,
                version INTEGER NOT NULL,
                row INTEGER NOT NULL,
                score REAL NOT NULL,
                PRIMARY KEY (model, version, row)
            ) WITHOUT ROWID;
            """),
        Migration(version: 6, name: "retention: finding what is older than the training window", sql: """
            -- The newest prediction ts in each segment, which retention compares with the training
            -- window. Segments stored before this migration have none (filling it in would rewrite
            -- every stored line) and are judged by their latest expiry, which is never earlier.
            ALTER TABLE prediction_segments ADD COLUMN max_ts REAL;
            -- Swept segments by that time: retention deletes the oldest first.
            CREATE INDEX prediction_segments_swept ON prediction_segments (model, coalesce(max_ts, max_expires_at)) WHERE swept = 1;
            -- Orphaned outcomes by time, which retention deletes once older than the training window.
            CREATE INDEX outcomes_orphaned ON outcomes (model, ts) WHERE status = 'orphaned';
            -- Predictions deleted by retention, counted so that status can say how many went.
            ALTER TABLE model_stats ADD COLUMN predictions_deleted INTEGER NOT NULL DEFAULT 0;
            """),
        Migration(version: 7, name: "segments: prediction lines stored compressed", sql: """
            -- Set when a segment's lines are stored as one LZ4 block: the size of the lines the
            -- block holds. Null when they are stored as logged (every segment stored before this
            -- migration, and one that would not compress).
            ALTER TABLE prediction_segments ADD COLUMN lines_size INTEGER;
            """),
    ]

    /// The schema version this build writes.
    public static var currentVersion: Int { migrations.last?.version ?? 0 }
}
