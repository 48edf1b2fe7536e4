import GRDB

/// The schema, as named append-only migrations: an older database file upgrades in place on open.
/// docs/SCHEMA.md documents every table and column; change both together.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-jobs") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2-sync-runs") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3-live-source-check") { db in
            try rewriteJobsSQL(db, from: v1LiveSourceCheck, to: v3LiveSourceCheck)
        }
        migrator.registerMigration("v4-job-flags") { db in
            try db.execute(sql: v4)
        }
        migrator.registerMigration("v5-sync-runs-unresolved") { db in
            try db.execute(sql: v5)
        }
        migrator.registerMigration("v6-sync-runs-process") { db in
            try db.execute(sql: v6)
        }
        migrator.registerMigration("v7-sync-runs-failed-requests") { db in
            try db.execute(sql: v7)
        }
        return migrator
    }

    /// SQLite evaluates a CHECK's `IN` list of three or more values by building a temporary
    /// table for every inserted row: this one cost about a third of a job's insert. The same
    /// rule as comparisons costs nothing measurable.
    static let v1LiveSourceCheck = "CHECK (live_source IN ('duration', 'end_minus_start', 'ongoing'))"
    static let v3LiveSourceCheck = "CHECK (live_source = 'duration' OR live_source = 'end_minus_start' OR live_source = 'ongoing')"

    /// Replaces text in the stored `CREATE TABLE jobs` statement: SQLite's documented way to change
    /// a constraint that does not change how rows are stored, done in place instead of copying a
    /// table that may hold millions of jobs (https://sqlite.org/lang_altertable.html, section 7).
    static func rewriteJobsSQL(_ db: Database, from old: String, to new: String) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        try db.execute(sql: "UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'jobs'",
                       arguments: [old, new])
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        let check = try String.fetchAll(db, sql: "PRAGMA quick_check(jobs)")
        guard check == ["ok"] else { throw StoreError("schema upgrade v3 left the jobs table inconsistent: \(check.joined(separator: "; "))") }
    }

    /// Values of a job that could not be used, and the figures each one left the job out of
    /// (docs/METRICS.md, "Flagged jobs"); how many flagged jobs each import and fetch stored.
    static let v4 = """
        CREATE TABLE job_flags (
            job_id   TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
            field    TEXT NOT NULL,
            reason   TEXT NOT NULL,
            detail   TEXT NOT NULL,
            excluded TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (job_id, field, reason)
        ) WITHOUT ROWID;
        ALTER TABLE import_runs ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE import_runs ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_runs ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
        """

    /// Where an incomplete fetch left jobs unverified, so the next fetch reads from there again
    /// even when that is older than where it would start.
    static let v5 = """
        ALTER TABLE sync_runs ADD COLUMN unresolved_since TEXT;
        """

    /// How many failed requests a fetch had, since `failed_request_ids` keeps only the first 50.
    static let v7 = """
        ALTER TABLE sync_runs ADD COLUMN failed_requests INTEGER NOT NULL DEFAULT 0;
        """

    /// Which process runs a fetch, so that the next fetch can tell a `running` row whose process is
    /// gone (killed) from one whose fetch is still going on the same database.
    static let v6 = """
        ALTER TABLE sync_runs ADD COLUMN pid INTEGER;
        ALTER TABLE sync_runs ADD COLUMN process TEXT;
        """

    /// Fetch runs, so the next fetch knows where the last complete one ended.
    static let v2 = """
        CREATE TABLE sync_runs (
            id                 INTEGER PRIMARY KEY,
            project_id         TEXT NOT NULL,
            region             TEXT,
            endpoint           TEXT NOT NULL,
            query              TEXT NOT NULL,
            mode               TEXT NOT NULL CHECK (mode IN ('full', 'incremental', 'window')),
            create_since       TEXT,
            started_at         TEXT NOT NULL,
            finished_at        TEXT,
            outcome            TEXT NOT NULL DEFAULT 'running'
                               CHECK (outcome IN ('running', 'succeeded', 'incomplete', 'failed', 'interrupted')),
            pages              INTEGER NOT NULL DEFAULT 0,
            requests           INTEGER NOT NULL DEFAULT 0,
            retries            INTEGER NOT NULL DEFAULT 0,
            throttled          INTEGER NOT NULL DEFAULT 0,
            jobs               INTEGER NOT NULL DEFAULT 0,
            expected_count     INTEGER,
            newest_create_time TEXT,
            failed_request_ids TEXT,
            message            TEXT
        );
        CREATE INDEX sync_runs_by_project ON sync_runs(project_id, region, outcome, id);
        CREATE INDEX jobs_unfinished ON jobs(project_id, region, create_time)
            WHERE state IN ('WAITING', 'PROCESSING');
        """

    static let v1 = """
        CREATE TABLE jobs (
            job_id            TEXT PRIMARY KEY NOT NULL,
            project_id        TEXT,
            region            TEXT,
            room_id           TEXT,
            room_name         TEXT,
            state             TEXT,
            duration          REAL,
            stream_duration   REAL,
            start_time        TEXT,
            end_time          TEXT,
            create_time       TEXT,
            lastupdate_time   TEXT,
            error_code        TEXT,
            error_msg         TEXT,
            block_reason      TEXT,
            used_resource_type TEXT,
            live_seconds      REAL,
            live_source       TEXT \(v1LiveSourceCheck),
            is_ongoing        INTEGER NOT NULL DEFAULT 0,
            streamed_seconds  REAL,
            stream_ratio      REAL,
            counts_in_rates   INTEGER NOT NULL,
            is_error          INTEGER NOT NULL,
            is_blocked        INTEGER NOT NULL,
            raw_json          TEXT NOT NULL,
            source            TEXT,
            stored_at         TEXT NOT NULL
        );
        CREATE INDEX jobs_by_room ON jobs(room_id, create_time);

        CREATE TABLE job_rtc_users (
            job_id    TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
            position  INTEGER NOT NULL,
            user_type TEXT,
            user_id   TEXT,
            ctime     INTEGER,
            PRIMARY KEY (job_id, position)
        ) WITHOUT ROWID;

        CREATE TABLE job_callback_event_types (
            job_id     TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
            source     TEXT NOT NULL CHECK (source IN ('live_event', 'rtc')),
            event_type TEXT NOT NULL,
            PRIMARY KEY (job_id, source, event_type)
        ) WITHOUT ROWID;

        CREATE TABLE usage_zones (
            tz       TEXT PRIMARY KEY NOT NULL,
            built_at TEXT NOT NULL
        );
        INSERT INTO usage_zones (tz, built_at) VALUES ('UTC', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

        CREATE TABLE job_day_usage (
            tz               TEXT NOT NULL,
            day              TEXT NOT NULL,
            job_id           TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
            live_seconds     REAL,
            streamed_seconds REAL,
            is_home          INTEGER NOT NULL,
            PRIMARY KEY (tz, day, job_id)
        ) WITHOUT ROWID;
        CREATE INDEX job_day_usage_by_job ON job_day_usage(job_id);

        CREATE TABLE import_runs (
            id         INTEGER PRIMARY KEY,
            file       TEXT NOT NULL,
            format     TEXT NOT NULL,
            started_at TEXT NOT NULL,
            jobs_read  INTEGER NOT NULL,
            inserted   INTEGER NOT NULL,
            updated    INTEGER NOT NULL,
            unchanged  INTEGER NOT NULL
        );
        """
}
