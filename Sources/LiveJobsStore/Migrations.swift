import GRDB

// THE RULE: a migration that has shipped is never edited, not even its whitespace; every change
// to the schema is a new migration appended at the end of `migrator` (GRDB's Migrations.md,
// "Good Practices"). A file that ran the old text keeps what it did for ever, so an edit makes
// old files differ from new ones; v1 and v2 were edited after they shipped, and v9 had to repair
// that. SchemaUpgradeTests keeps every shipped text and fails on an edit; it also checks that a
// file made by any release upgrades to exactly the schema of a new file.

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
        migrator.registerMigration("v8-usage-rollup") { db in
            try db.execute(sql: v8)
            for tz in try String.fetchAll(db, sql: "SELECT tz FROM usage_zones") {
                try db.execute(sql: v8RollupSums, arguments: [tz])
            }
        }
        migrator.registerMigration("v9-indexes-as-new-files") { db in
            try db.execute(sql: v9)
        }
        migrator.registerMigration("v10-usage-microseconds") { db in
            // A sum past 64 bits stops SQLite's SUM(): the upgrade is rolled back, the file kept as it was.
            try UsageRollup.refusingOverflow { try db.execute(sql: v10) }
        }
        migrator.registerMigration("v11-usage-by-project") { db in
            try UsageRollup.refusingOverflow { try db.execute(sql: v11) }
        }
        return migrator
    }

    /// What v8 ran to sum a zone's rollup rows, as it shipped (it called `UsageRollup.rebuild`,
    /// whose statement then was this one, against v8's REAL columns). Frozen here, so that a file
    /// upgraded from before v8 goes through the v8 that shipped; v10 sums the rollup again.
    static let v8RollupSums = """
        INSERT INTO usage_rollup (tz, month, day, room_id, room_name, state, error_code, error_msg,
        jobs, rated_jobs, failed_jobs, blocked_jobs, ongoing_jobs, jobs_without_duration, flagged_jobs,
        live_seconds, streamed_seconds, paired_live_seconds, paired_streamed_seconds, job_live_seconds,
        first_start, last_start, first_create, last_create)
        SELECT tz, month, day, room_id, room_name, state, error_code, error_msg,
               SUM(jobs), SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs),
               SUM(jobs_without_duration), SUM(flagged_jobs),
               SUM(live_seconds), SUM(streamed_seconds), SUM(paired_live_seconds), SUM(paired_streamed_seconds),
               SUM(job_live_seconds), MIN(start_time), MAX(start_time), MIN(create_time), MAX(create_time)
        FROM job_day_facts
        WHERE tz = ? GROUP BY month, day, room_id, room_name, state, error_code, error_msg
        """

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

    /// The figures' definitions, held by the database (docs/METRICS.md): `job_day_facts` gives every
    /// job-day its measures (one view, so a rule is written once), `usage_rollup` keeps their sums per
    /// zone, day, room, state and error, maintained by every write (`UsageRollup`), and
    /// `usage_figures` turns sums into the reported figures (hours, stream ratio, error and block
    /// rates) for each grain the reports read. A monthly report reads thousands of rollup rows
    /// instead of joining a million `job_day_usage` rows to the wide `jobs` rows (measured over
    /// 1,000,000 jobs: the month summary 3.2 s -> 0.02 s). `jobs_without_date` finds the jobs with no
    /// home day in any zone, the rollup's `day IS NULL` rows, without reading the table.
    static let v8 = """
        CREATE INDEX jobs_without_date ON jobs(job_id)
            WHERE start_time IS NULL AND create_time IS NULL AND lastupdate_time IS NULL;

        CREATE VIEW job_day_facts AS
        SELECT u.tz                                            AS tz,
               substr(u.day, 1, 7)                             AS month,
               u.day                                           AS day,
               u.job_id                                        AS job_id,
               j.room_id, j.room_name, j.state, j.error_code, j.error_msg,
               u.is_home                                       AS jobs,
               u.is_home * j.counts_in_rates                   AS rated_jobs,
               u.is_home * j.is_error                          AS failed_jobs,
               u.is_home * j.is_blocked                        AS blocked_jobs,
               u.is_home * j.is_ongoing                        AS ongoing_jobs,
               u.is_home * (j.live_seconds IS NULL)            AS jobs_without_duration,
               u.is_home * EXISTS (SELECT 1 FROM job_flags f WHERE f.job_id = u.job_id) AS flagged_jobs,
               u.live_seconds                                  AS live_seconds,
               u.streamed_seconds                              AS streamed_seconds,
               CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.live_seconds END
                                                               AS paired_live_seconds,
               CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.streamed_seconds END
                                                               AS paired_streamed_seconds,
               CASE WHEN u.is_home = 1 THEN j.live_seconds END AS job_live_seconds,
               CASE WHEN u.is_home = 1 THEN j.start_time END   AS start_time,
               CASE WHEN u.is_home = 1 THEN j.create_time END  AS create_time
        FROM job_day_usage u
        JOIN jobs j ON j.job_id = u.job_id
        UNION ALL
        SELECT z.tz, NULL, NULL, j.job_id,
               j.room_id, j.room_name, j.state, j.error_code, j.error_msg,
               1, j.counts_in_rates, j.is_error, j.is_blocked, j.is_ongoing, j.live_seconds IS NULL,
               EXISTS (SELECT 1 FROM job_flags f WHERE f.job_id = j.job_id),
               NULL, NULL, NULL, NULL, j.live_seconds, NULL, NULL
        FROM usage_zones z
        CROSS JOIN jobs j INDEXED BY jobs_without_date
        WHERE j.start_time IS NULL AND j.create_time IS NULL AND j.lastupdate_time IS NULL;

        CREATE TABLE usage_rollup (
            tz                      TEXT NOT NULL,
            month                   TEXT,
            day                     TEXT,
            room_id                 TEXT,
            room_name               TEXT,
            state                   TEXT,
            error_code              TEXT,
            error_msg               TEXT,
            jobs                    INTEGER NOT NULL,
            rated_jobs              INTEGER NOT NULL,
            failed_jobs             INTEGER NOT NULL,
            blocked_jobs            INTEGER NOT NULL,
            ongoing_jobs            INTEGER NOT NULL,
            jobs_without_duration   INTEGER NOT NULL,
            flagged_jobs            INTEGER NOT NULL,
            live_seconds            REAL,
            streamed_seconds        REAL,
            paired_live_seconds     REAL,
            paired_streamed_seconds REAL,
            job_live_seconds        REAL,
            first_start             TEXT,
            last_start              TEXT,
            first_create            TEXT,
            last_create             TEXT
        );
        CREATE INDEX usage_rollup_by_month ON usage_rollup(tz, month, day, room_id, room_name, state, error_code, error_msg);

        CREATE VIEW usage_figures AS
        WITH sums AS (
            SELECT tz, 'day' AS grain, day AS period, month, NULL AS room_id,
                   SUM(jobs) AS jobs, COUNT(DISTINCT room_id) AS rooms, SUM(rated_jobs) AS rated_jobs,
                   SUM(failed_jobs) AS failed_jobs, SUM(blocked_jobs) AS blocked_jobs, SUM(ongoing_jobs) AS ongoing_jobs,
                   SUM(jobs_without_duration) AS jobs_without_duration, SUM(flagged_jobs) AS flagged_jobs,
                   SUM(live_seconds) AS live_seconds, SUM(streamed_seconds) AS streamed_seconds,
                   SUM(paired_live_seconds) AS paired_live_seconds, SUM(paired_streamed_seconds) AS paired_streamed_seconds,
                   MIN(first_start) AS first_start, MAX(last_start) AS last_start
            FROM usage_rollup WHERE day IS NOT NULL GROUP BY tz, month, day
            UNION ALL
            SELECT tz, 'month', month, month, NULL,
                   SUM(jobs), COUNT(DISTINCT room_id), SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs),
                   SUM(jobs_without_duration), SUM(flagged_jobs), SUM(live_seconds), SUM(streamed_seconds),
                   SUM(paired_live_seconds), SUM(paired_streamed_seconds), MIN(first_start), MAX(last_start)
            FROM usage_rollup WHERE day IS NOT NULL GROUP BY tz, month
            UNION ALL
            SELECT tz, 'month-room', month, month, room_id,
                   SUM(jobs), COUNT(DISTINCT room_id), SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs),
                   SUM(jobs_without_duration), SUM(flagged_jobs), SUM(live_seconds), SUM(streamed_seconds),
                   SUM(paired_live_seconds), SUM(paired_streamed_seconds), MIN(first_start), MAX(last_start)
            FROM usage_rollup WHERE day IS NOT NULL GROUP BY tz, month, room_id
            UNION ALL
            SELECT tz, 'room', NULL, NULL, room_id,
                   SUM(jobs), COUNT(DISTINCT room_id), SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs),
                   SUM(jobs_without_duration), SUM(flagged_jobs), SUM(live_seconds), SUM(streamed_seconds),
                   SUM(paired_live_seconds), SUM(paired_streamed_seconds), MIN(first_start), MAX(last_start)
            FROM usage_rollup GROUP BY tz, room_id
        )
        SELECT tz, grain, period, month, room_id,
               jobs,
               rooms,
               ROUND(COALESCE(live_seconds, 0) / 3600.0, 2)                      AS live_hours,
               ROUND(COALESCE(streamed_seconds, 0) / 3600.0, 2)                  AS streamed_hours,
               ROUND(paired_streamed_seconds / NULLIF(paired_live_seconds, 0), 4) AS stream_ratio,
               ROUND(1.0 * failed_jobs / NULLIF(rated_jobs, 0), 4)               AS error_rate,
               ROUND(1.0 * blocked_jobs / NULLIF(rated_jobs, 0), 4)              AS block_rate,
               failed_jobs, blocked_jobs, ongoing_jobs, jobs_without_duration, flagged_jobs,
               ROUND(COALESCE(live_seconds, 0) / 3600.0 / NULLIF(jobs, 0), 2)    AS live_hours_per_job,
               first_start, last_start,
               live_seconds, streamed_seconds
        FROM sums;
        """

    /// Files made before v1 and v2 were edited get the indexes a new file has: the first release's
    /// `jobs_by_state` and `jobs_by_create_time` and v2's first `jobs_by_project_state` go (new
    /// files lost them to make every insert cheaper), and the partial index `jobs_unfinished` that
    /// the incremental fetch reads is made where v2's first text did not make it, in the very text
    /// v2 makes it with. On a file made since, it changes nothing.
    static let v9 = """
        DROP INDEX IF EXISTS jobs_by_state;
        DROP INDEX IF EXISTS jobs_by_create_time;
        DROP INDEX IF EXISTS jobs_by_project_state;
        CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs(project_id, region, create_time)
            WHERE state IN ('WAITING', 'PROCESSING');
        """

    /// Seconds stored and summed as INTEGER microseconds (docs/SCHEMA.md, docs/METRICS.md): the
    /// per-day rows of `job_day_usage` and the sums of `usage_rollup` hold `*_us` columns, whose
    /// sums are exact, so a total (and a figure rounded from it) never depends on the order its
    /// parts were added in; the `*_seconds` names stay, as virtual columns computed from them.
    /// `job_day_usage` is copied into its new shape (a REAL becomes the microseconds
    /// `Microseconds.of` gives for it), and `usage_rollup` is made again and summed from
    /// `job_day_facts` in every kept zone (the statement `UsageRollup.rebuild` runs, written out
    /// here so that the migration never changes with that code): the old floating-point sums
    /// cannot be turned into exact ones. A sum past 64 bits fails the upgrade and leaves the file
    /// as it was. `usage_figures` keeps its columns and their meaning and adds
    /// `live_us` and `streamed_us`. Its four grains still list their sums each: one list over
    /// the rollup rows keyed by grain (a CTE, then one GROUP BY) gives the same rows, but SQLite
    /// cannot push a query's `tz`, `grain` and `month` through that GROUP BY into the UNION ALL,
    /// so every query read the whole rollup (the report's queries over 200,000 jobs: 0.17 s
    /// instead of 0.04 s).
    static let v10 = """
        DROP VIEW usage_figures;
        DROP VIEW job_day_facts;
        DROP TABLE usage_rollup;

        ALTER TABLE job_day_usage RENAME TO job_day_usage_v9;
        CREATE TABLE job_day_usage (
            tz               TEXT NOT NULL,
            day              TEXT NOT NULL,
            job_id           TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
            live_us          INTEGER,
            streamed_us      INTEGER,
            is_home          INTEGER NOT NULL,
            live_seconds     REAL GENERATED ALWAYS AS (live_us / 1000000.0) VIRTUAL,
            streamed_seconds REAL GENERATED ALWAYS AS (streamed_us / 1000000.0) VIRTUAL,
            PRIMARY KEY (tz, day, job_id)
        ) WITHOUT ROWID;
        INSERT INTO job_day_usage (tz, day, job_id, live_us, streamed_us, is_home)
        SELECT tz, day, job_id, CAST(round(live_seconds * 1000000.0) AS INTEGER),
               CAST(round(streamed_seconds * 1000000.0) AS INTEGER), is_home
        FROM job_day_usage_v9;
        DROP TABLE job_day_usage_v9;
        CREATE INDEX job_day_usage_by_job ON job_day_usage(job_id);

        CREATE VIEW job_day_facts AS
        SELECT u.tz                                            AS tz,
               substr(u.day, 1, 7)                             AS month,
               u.day                                           AS day,
               u.job_id                                        AS job_id,
               j.room_id, j.room_name, j.state, j.error_code, j.error_msg,
               u.is_home                                       AS jobs,
               u.is_home * j.counts_in_rates                   AS rated_jobs,
               u.is_home * j.is_error                          AS failed_jobs,
               u.is_home * j.is_blocked                        AS blocked_jobs,
               u.is_home * j.is_ongoing                        AS ongoing_jobs,
               u.is_home * (j.live_seconds IS NULL)            AS jobs_without_duration,
               u.is_home * EXISTS (SELECT 1 FROM job_flags f WHERE f.job_id = u.job_id) AS flagged_jobs,
               u.live_us                                       AS live_us,
               u.streamed_us                                   AS streamed_us,
               CASE WHEN u.live_us IS NOT NULL AND u.streamed_us IS NOT NULL THEN u.live_us END
                                                               AS paired_live_us,
               CASE WHEN u.live_us IS NOT NULL AND u.streamed_us IS NOT NULL THEN u.streamed_us END
                                                               AS paired_streamed_us,
               CASE WHEN u.is_home = 1 THEN CAST(round(j.live_seconds * 1000000.0) AS INTEGER) END
                                                               AS job_live_us,
               CASE WHEN u.is_home = 1 THEN j.start_time END   AS start_time,
               CASE WHEN u.is_home = 1 THEN j.create_time END  AS create_time,
               u.live_seconds                                  AS live_seconds,
               u.streamed_seconds                              AS streamed_seconds,
               CASE WHEN u.live_us IS NOT NULL AND u.streamed_us IS NOT NULL THEN u.live_seconds END
                                                               AS paired_live_seconds,
               CASE WHEN u.live_us IS NOT NULL AND u.streamed_us IS NOT NULL THEN u.streamed_seconds END
                                                               AS paired_streamed_seconds,
               CASE WHEN u.is_home = 1 THEN j.live_seconds END AS job_live_seconds
        FROM job_day_usage u
        JOIN jobs j ON j.job_id = u.job_id
        UNION ALL
        SELECT z.tz, NULL, NULL, j.job_id,
               j.room_id, j.room_name, j.state, j.error_code, j.error_msg,
               1, j.counts_in_rates, j.is_error, j.is_blocked, j.is_ongoing, j.live_seconds IS NULL,
               EXISTS (SELECT 1 FROM job_flags f WHERE f.job_id = j.job_id),
               NULL, NULL, NULL, NULL, CAST(round(j.live_seconds * 1000000.0) AS INTEGER), NULL, NULL,
               NULL, NULL, NULL, NULL, j.live_seconds
        FROM usage_zones z
        CROSS JOIN jobs j INDEXED BY jobs_without_date
        WHERE j.start_time IS NULL AND j.create_time IS NULL AND j.lastupdate_time IS NULL;

        CREATE TABLE usage_rollup (
            tz                      TEXT NOT NULL,
            month                   TEXT,
            day                     TEXT,
            room_id                 TEXT,
            room_name               TEXT,
            state                   TEXT,
            error_code              TEXT,
            error_msg               TEXT,
            jobs                    INTEGER NOT NULL,
            rated_jobs              INTEGER NOT NULL,
            failed_jobs             INTEGER NOT NULL,
            blocked_jobs            INTEGER NOT NULL,
            ongoing_jobs            INTEGER NOT NULL,
            jobs_without_duration   INTEGER NOT NULL,
            flagged_jobs            INTEGER NOT NULL,
            live_us                 INTEGER,
            streamed_us             INTEGER,
            paired_live_us          INTEGER,
            paired_streamed_us      INTEGER,
            job_live_us             INTEGER,
            first_start             TEXT,
            last_start              TEXT,
            first_create            TEXT,
            last_create             TEXT,
            live_seconds            REAL GENERATED ALWAYS AS (live_us / 1000000.0) VIRTUAL,
            streamed_seconds        REAL GENERATED ALWAYS AS (streamed_us / 1000000.0) VIRTUAL,
            paired_live_seconds     REAL GENERATED ALWAYS AS (paired_live_us / 1000000.0) VIRTUAL,
            paired_streamed_seconds REAL GENERATED ALWAYS AS (paired_streamed_us / 1000000.0) VIRTUAL,
            job_live_seconds        REAL GENERATED ALWAYS AS (job_live_us / 1000000.0) VIRTUAL,
            -- An INTEGER sum that overflows in `live_us + ?` turns into a REAL: refused, never kept.
            CONSTRAINT usage_rollup_exact_sums CHECK (typeof(live_us) <> 'real' AND typeof(streamed_us) <> 'real'
                AND typeof(paired_live_us) <> 'real' AND typeof(paired_streamed_us) <> 'real' AND typeof(job_live_us) <> 'real')
        );
        CREATE INDEX usage_rollup_by_month ON usage_rollup(tz, month, day, room_id, room_name, state, error_code, error_msg);
        INSERT INTO usage_rollup (tz, month, day, room_id, room_name, state, error_code, error_msg,
                                  jobs, rated_jobs, failed_jobs, blocked_jobs, ongoing_jobs, jobs_without_duration, flagged_jobs,
                                  live_us, streamed_us, paired_live_us, paired_streamed_us, job_live_us,
                                  first_start, last_start, first_create, last_create)
        SELECT tz, month, day, room_id, room_name, state, error_code, error_msg,
               SUM(jobs), SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs),
               SUM(jobs_without_duration), SUM(flagged_jobs),
               SUM(live_us), SUM(streamed_us), SUM(paired_live_us), SUM(paired_streamed_us),
               SUM(job_live_us), MIN(start_time), MAX(start_time), MIN(create_time), MAX(create_time)
        FROM job_day_facts
        WHERE tz IN (SELECT tz FROM usage_zones)
        GROUP BY tz, month, day, room_id, room_name, state, error_code, error_msg;

        CREATE VIEW usage_figures AS
        WITH sums AS (
            SELECT tz, 'day' AS grain, day AS period, month, NULL AS room_id,
                   SUM(jobs) AS jobs, COUNT(DISTINCT room_id) AS rooms, SUM(rated_jobs) AS rated_jobs,
                   SUM(failed_jobs) AS failed_jobs, SUM(blocked_jobs) AS blocked_jobs, SUM(ongoing_jobs) AS ongoing_jobs,
                   SUM(jobs_without_duration) AS jobs_without_duration, SUM(flagged_jobs) AS flagged_jobs,
                   SUM(live_us) AS live_us, SUM(streamed_us) AS streamed_us,
                   SUM(paired_live_us) AS paired_live_us, SUM(paired_streamed_us) AS paired_streamed_us,
                   MIN(first_start) AS first_start, MAX(last_start) AS last_start
            FROM usage_rollup WHERE day IS NOT NULL GROUP BY tz, month, day
            UNION ALL
            SELECT tz, 'month', month, month, NULL,
                   SUM(jobs), COUNT(DISTINCT room_id), SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs),
                   SUM(jobs_without_duration), SUM(flagged_jobs), SUM(live_us), SUM(streamed_us),
                   SUM(paired_live_us), SUM(paired_streamed_us), MIN(first_start), MAX(last_start)
            FROM usage_rollup WHERE day IS NOT NULL GROUP BY tz, month
            UNION ALL
            SELECT tz, 'month-room', month, month, room_id,
                   SUM(jobs), COUNT(DISTINCT room_id), SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs),
                   SUM(jobs_without_duration), SUM(flagged_jobs), SUM(live_us), SUM(streamed_us),
                   SUM(paired_live_us), SUM(paired_streamed_us), MIN(first_start), MAX(last_start)
            FROM usage_rollup WHERE day IS NOT NULL GROUP BY tz, month, room_id
            UNION ALL
            SELECT tz, 'room', NULL, NULL, room_id,
                   SUM(jobs), COUNT(DISTINCT room_id), SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs),
                   SUM(jobs_without_duration), SUM(flagged_jobs), SUM(live_us), SUM(streamed_us),
                   SUM(paired_live_us), SUM(paired_streamed_us), MIN(first_start), MAX(last_start)
            FROM usage_rollup GROUP BY tz, room_id
        )
        SELECT tz, grain, period, month, room_id,
               jobs,
               rooms,
               ROUND(COALESCE(live_us, 0) / 3600000000.0, 2)                   AS live_hours,
               ROUND(COALESCE(streamed_us, 0) / 3600000000.0, 2)               AS streamed_hours,
               ROUND(1.0 * paired_streamed_us / NULLIF(paired_live_us, 0), 4)  AS stream_ratio,
               ROUND(1.0 * failed_jobs / NULLIF(rated_jobs, 0), 4)             AS error_rate,
               ROUND(1.0 * blocked_jobs / NULLIF(rated_jobs, 0), 4)            AS block_rate,
               failed_jobs, blocked_jobs, ongoing_jobs, jobs_without_duration, flagged_jobs,
               ROUND(COALESCE(live_us, 0) / 3600000000.0 / NULLIF(jobs, 0), 2) AS live_hours_per_job,
               first_start, last_start,
               live_us / 1000000.0                                             AS live_seconds,
               streamed_us / 1000000.0                                         AS streamed_seconds,
               live_us, streamed_us
        FROM sums;
        """

    /// Rooms belong to a project (docs/SCHEMA.md, docs/METRICS.md): a room id is unique within a
    /// project, not across projects, so two projects' rooms sharing an id must never be summed
    /// together. `job_day_facts` and `usage_rollup` gain `project_id`, `region` (as stored in
    /// `jobs`) and `used_resource_type` (the billing mode, kept as sent) in their grouping, and the
    /// measure `jobs_without_stream` (jobs with no `stream_duration`: the stream ratio's coverage);
    /// `usage_figures` keys its room grains by `(project_id, region, room_id)`, counts rooms the
    /// same way, and adds the grain `month-project` (per month, `project_id` and `region`) and the
    /// columns `ratio_live_hours` (the live hours the stream ratio divides) and
    /// `jobs_without_stream`. `import_runs` records the `--project-id` and `--region` a file was
    /// imported for. The rollup is made again and summed from `job_day_facts` in every kept zone,
    /// the statement written out here so that this migration never changes with `UsageRollup`;
    /// a sum past 64 bits fails the upgrade and leaves the file as it was. The five grains keep
    /// a SUM list each, for the reason v10 gives.
    static let v11 = """
        DROP VIEW usage_figures;
        DROP VIEW job_day_facts;
        DROP TABLE usage_rollup;

        ALTER TABLE import_runs ADD COLUMN project_id TEXT;
        ALTER TABLE import_runs ADD COLUMN region TEXT;

        CREATE VIEW job_day_facts AS
        SELECT u.tz                                            AS tz,
               substr(u.day, 1, 7)                             AS month,
               u.day                                           AS day,
               u.job_id                                        AS job_id,
               j.project_id, j.region,
               j.room_id, j.room_name, j.state, j.used_resource_type, j.error_code, j.error_msg,
               u.is_home                                       AS jobs,
               u.is_home * j.counts_in_rates                   AS rated_jobs,
               u.is_home * j.is_error                          AS failed_jobs,
               u.is_home * j.is_blocked                        AS blocked_jobs,
               u.is_home * j.is_ongoing                        AS ongoing_jobs,
               u.is_home * (j.live_seconds IS NULL)            AS jobs_without_duration,
               u.is_home * (j.streamed_seconds IS NULL)        AS jobs_without_stream,
               u.is_home * EXISTS (SELECT 1 FROM job_flags f WHERE f.job_id = u.job_id) AS flagged_jobs,
               u.live_us                                       AS live_us,
               u.streamed_us                                   AS streamed_us,
               CASE WHEN u.live_us IS NOT NULL AND u.streamed_us IS NOT NULL THEN u.live_us END
                                                               AS paired_live_us,
               CASE WHEN u.live_us IS NOT NULL AND u.streamed_us IS NOT NULL THEN u.streamed_us END
                                                               AS paired_streamed_us,
               CASE WHEN u.is_home = 1 THEN CAST(round(j.live_seconds * 1000000.0) AS INTEGER) END
                                                               AS job_live_us,
               CASE WHEN u.is_home = 1 THEN j.start_time END   AS start_time,
               CASE WHEN u.is_home = 1 THEN j.create_time END  AS create_time,
               u.live_seconds                                  AS live_seconds,
               u.streamed_seconds                              AS streamed_seconds,
               CASE WHEN u.live_us IS NOT NULL AND u.streamed_us IS NOT NULL THEN u.live_seconds END
                                                               AS paired_live_seconds,
               CASE WHEN u.live_us IS NOT NULL AND u.streamed_us IS NOT NULL THEN u.streamed_seconds END
                                                               AS paired_streamed_seconds,
               CASE WHEN u.is_home = 1 THEN j.live_seconds END AS job_live_seconds
        FROM job_day_usage u
        JOIN jobs j ON j.job_id = u.job_id
        UNION ALL
        SELECT z.tz, NULL, NULL, j.job_id, j.project_id, j.region,
               j.room_id, j.room_name, j.state, j.used_resource_type, j.error_code, j.error_msg,
               1, j.counts_in_rates, j.is_error, j.is_blocked, j.is_ongoing, j.live_seconds IS NULL,
               j.streamed_seconds IS NULL, EXISTS (SELECT 1 FROM job_flags f WHERE f.job_id = j.job_id),
               NULL, NULL, NULL, NULL, CAST(round(j.live_seconds * 1000000.0) AS INTEGER), NULL, NULL,
               NULL, NULL, NULL, NULL, j.live_seconds
        FROM usage_zones z
        CROSS JOIN jobs j INDEXED BY jobs_without_date
        WHERE j.start_time IS NULL AND j.create_time IS NULL AND j.lastupdate_time IS NULL;

        CREATE TABLE usage_rollup (
            tz                      TEXT NOT NULL,
            month                   TEXT,
            day                     TEXT,
            project_id              TEXT,
            region                  TEXT,
            room_id                 TEXT,
            room_name               TEXT,
            state                   TEXT,
            used_resource_type      TEXT,
            error_code              TEXT,
            error_msg               TEXT,
            jobs                    INTEGER NOT NULL,
            rated_jobs              INTEGER NOT NULL,
            failed_jobs             INTEGER NOT NULL,
            blocked_jobs            INTEGER NOT NULL,
            ongoing_jobs            INTEGER NOT NULL,
            jobs_without_duration   INTEGER NOT NULL,
            jobs_without_stream     INTEGER NOT NULL,
            flagged_jobs            INTEGER NOT NULL,
            live_us                 INTEGER,
            streamed_us             INTEGER,
            paired_live_us          INTEGER,
            paired_streamed_us      INTEGER,
            job_live_us             INTEGER,
            first_start             TEXT,
            last_start              TEXT,
            first_create            TEXT,
            last_create             TEXT,
            live_seconds            REAL GENERATED ALWAYS AS (live_us / 1000000.0) VIRTUAL,
            streamed_seconds        REAL GENERATED ALWAYS AS (streamed_us / 1000000.0) VIRTUAL,
            paired_live_seconds     REAL GENERATED ALWAYS AS (paired_live_us / 1000000.0) VIRTUAL,
            paired_streamed_seconds REAL GENERATED ALWAYS AS (paired_streamed_us / 1000000.0) VIRTUAL,
            job_live_seconds        REAL GENERATED ALWAYS AS (job_live_us / 1000000.0) VIRTUAL,
            -- An INTEGER sum that overflows in `live_us + ?` turns into a REAL: refused, never kept.
            CONSTRAINT usage_rollup_exact_sums CHECK (typeof(live_us) <> 'real' AND typeof(streamed_us) <> 'real'
                AND typeof(paired_live_us) <> 'real' AND typeof(paired_streamed_us) <> 'real' AND typeof(job_live_us) <> 'real')
        );
        CREATE INDEX usage_rollup_by_month ON usage_rollup(tz, month, day, project_id, region, room_id, room_name, state,
                                                           used_resource_type, error_code, error_msg);
        INSERT INTO usage_rollup (tz, month, day, project_id, region, room_id, room_name, state, used_resource_type,
                                  error_code, error_msg,
                                  jobs, rated_jobs, failed_jobs, blocked_jobs, ongoing_jobs, jobs_without_duration,
                                  jobs_without_stream, flagged_jobs,
                                  live_us, streamed_us, paired_live_us, paired_streamed_us, job_live_us,
                                  first_start, last_start, first_create, last_create)
        SELECT tz, month, day, project_id, region, room_id, room_name, state, used_resource_type, error_code, error_msg,
               SUM(jobs), SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs),
               SUM(jobs_without_duration), SUM(jobs_without_stream), SUM(flagged_jobs),
               SUM(live_us), SUM(streamed_us), SUM(paired_live_us), SUM(paired_streamed_us),
               SUM(job_live_us), MIN(start_time), MAX(start_time), MIN(create_time), MAX(create_time)
        FROM job_day_facts
        WHERE tz IN (SELECT tz FROM usage_zones)
        GROUP BY tz, month, day, project_id, region, room_id, room_name, state, used_resource_type, error_code, error_msg;

        CREATE VIEW usage_figures AS
        WITH sums AS (
            SELECT tz, 'day' AS grain, day AS period, month, NULL AS project_id, NULL AS region, NULL AS room_id,
                   SUM(jobs) AS jobs,
                   COUNT(DISTINCT CASE WHEN room_id IS NOT NULL THEN json_array(project_id, region, room_id) END) AS rooms,
                   SUM(rated_jobs) AS rated_jobs, SUM(failed_jobs) AS failed_jobs, SUM(blocked_jobs) AS blocked_jobs,
                   SUM(ongoing_jobs) AS ongoing_jobs, SUM(jobs_without_duration) AS jobs_without_duration,
                   SUM(jobs_without_stream) AS jobs_without_stream, SUM(flagged_jobs) AS flagged_jobs,
                   SUM(live_us) AS live_us, SUM(streamed_us) AS streamed_us,
                   SUM(paired_live_us) AS paired_live_us, SUM(paired_streamed_us) AS paired_streamed_us,
                   MIN(first_start) AS first_start, MAX(last_start) AS last_start
            FROM usage_rollup WHERE day IS NOT NULL GROUP BY tz, month, day
            UNION ALL
            SELECT tz, 'month', month, month, NULL, NULL, NULL,
                   SUM(jobs), COUNT(DISTINCT CASE WHEN room_id IS NOT NULL THEN json_array(project_id, region, room_id) END),
                   SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs), SUM(jobs_without_duration),
                   SUM(jobs_without_stream), SUM(flagged_jobs), SUM(live_us), SUM(streamed_us),
                   SUM(paired_live_us), SUM(paired_streamed_us), MIN(first_start), MAX(last_start)
            FROM usage_rollup WHERE day IS NOT NULL GROUP BY tz, month
            UNION ALL
            SELECT tz, 'month-project', month, month, project_id, region, NULL,
                   SUM(jobs), COUNT(DISTINCT room_id),
                   SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs), SUM(jobs_without_duration),
                   SUM(jobs_without_stream), SUM(flagged_jobs), SUM(live_us), SUM(streamed_us),
                   SUM(paired_live_us), SUM(paired_streamed_us), MIN(first_start), MAX(last_start)
            FROM usage_rollup WHERE day IS NOT NULL GROUP BY tz, month, project_id, region
            UNION ALL
            SELECT tz, 'month-room', month, month, project_id, region, room_id,
                   SUM(jobs), COUNT(DISTINCT room_id),
                   SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs), SUM(jobs_without_duration),
                   SUM(jobs_without_stream), SUM(flagged_jobs), SUM(live_us), SUM(streamed_us),
                   SUM(paired_live_us), SUM(paired_streamed_us), MIN(first_start), MAX(last_start)
            FROM usage_rollup WHERE day IS NOT NULL GROUP BY tz, month, project_id, region, room_id
            UNION ALL
            SELECT tz, 'room', NULL, NULL, project_id, region, room_id,
                   SUM(jobs), COUNT(DISTINCT room_id),
                   SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs), SUM(jobs_without_duration),
                   SUM(jobs_without_stream), SUM(flagged_jobs), SUM(live_us), SUM(streamed_us),
                   SUM(paired_live_us), SUM(paired_streamed_us), MIN(first_start), MAX(last_start)
            FROM usage_rollup GROUP BY tz, project_id, region, room_id
        )
        SELECT tz, grain, period, month, project_id, region, room_id,
               jobs,
               rooms,
               ROUND(COALESCE(live_us, 0) / 3600000000.0, 2)                   AS live_hours,
               ROUND(COALESCE(streamed_us, 0) / 3600000000.0, 2)               AS streamed_hours,
               ROUND(1.0 * paired_streamed_us / NULLIF(paired_live_us, 0), 4)  AS stream_ratio,
               ROUND(COALESCE(paired_live_us, 0) / 3600000000.0, 2)            AS ratio_live_hours,
               ROUND(1.0 * failed_jobs / NULLIF(rated_jobs, 0), 4)             AS error_rate,
               ROUND(1.0 * blocked_jobs / NULLIF(rated_jobs, 0), 4)            AS block_rate,
               failed_jobs, blocked_jobs, ongoing_jobs, jobs_without_duration, jobs_without_stream, flagged_jobs,
               rated_jobs,
               ROUND(COALESCE(live_us, 0) / 3600000000.0 / NULLIF(jobs, 0), 2) AS live_hours_per_job,
               first_start, last_start,
               live_us / 1000000.0                                             AS live_seconds,
               streamed_us / 1000000.0                                         AS streamed_seconds,
               live_us, streamed_us, paired_live_us, paired_streamed_us
        FROM sums;
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
