import GRDB
@testable import LiveJobsStore

/// The SQL of every migration exactly as livejobs shipped it, copied from the commits that shipped
/// it (`git log -p --follow Sources/LiveJobsStore/Migrations.swift`), so that the tests can make
/// the files each release made and check that the current code never changes what shipped.
/// Never edit a text here: a file made by that release holds it for ever.
enum ShippedMigrations {
    /// `v1-jobs` as first released (5779031); edited in 5826a8d, after files had been made with it: two indexes dropped.
    static let v1FirstRelease = """
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
            live_source       TEXT CHECK (live_source IN ('duration', 'end_minus_start', 'ongoing')),
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
        CREATE INDEX jobs_by_state ON jobs(state);
        CREATE INDEX jobs_by_create_time ON jobs(create_time);

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
    /// `v1-jobs` since 5826a8d (5c9ea11 wrote its CHECK through a constant, same text).
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
            live_source       TEXT CHECK (live_source IN ('duration', 'end_minus_start', 'ongoing')),
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
    /// `v2-sync-runs` as first released (3512ebb); edited in 8f5eefd: `jobs_by_project_state` became `jobs_unfinished`.
    static let v2FirstRelease = """
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
        CREATE INDEX jobs_by_project_state ON jobs(project_id, region, state);
        """
    /// `v2-sync-runs` since 8f5eefd.
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
    /// `v3-live-source-check` (5c9ea11): the jobs table's CHECK, rewritten in place from one text to the other.
    static let v3From = "CHECK (live_source IN ('duration', 'end_minus_start', 'ongoing'))"
    static let v3To = "CHECK (live_source = 'duration' OR live_source = 'end_minus_start' OR live_source = 'ongoing')"

    /// `v4-job-flags` (e895daa).
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
    /// `v5-sync-runs-unresolved` (6b4bc30).
    static let v5 = """
        ALTER TABLE sync_runs ADD COLUMN unresolved_since TEXT;
        """
    /// `v6-sync-runs-process` (951b7f3).
    static let v6 = """
        ALTER TABLE sync_runs ADD COLUMN pid INTEGER;
        ALTER TABLE sync_runs ADD COLUMN process TEXT;
        """
    /// `v7-sync-runs-failed-requests` (9e3f61b).
    static let v7 = """
        ALTER TABLE sync_runs ADD COLUMN failed_requests INTEGER NOT NULL DEFAULT 0;
        """
    /// `v8-usage-rollup` (686297b); after its SQL it sums `usage_rollup` again for every zone kept.
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

    /// `v9-indexes-as-new-files`, added by the branch that found v1 and v2 edited (it ships with it).
    static let v9 = """
        DROP INDEX IF EXISTS jobs_by_state;
        DROP INDEX IF EXISTS jobs_by_create_time;
        DROP INDEX IF EXISTS jobs_by_project_state;
        CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs(project_id, region, create_time)
            WHERE state IN ('WAITING', 'PROCESSING');
        """

    /// What `v8-usage-rollup` ran for each zone after its SQL: the statement of
    /// `UsageRollup.rebuild` as it was when v8 shipped (686297b), against v8's REAL columns.
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

    /// `v10-usage-microseconds`, added by the branch that sums seconds as integer microseconds (it ships with it).
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

    /// `v11-usage-by-project`, added by the branch that keys rooms by project (it ships with it).
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

    /// One migration as a file received it: its identifier in `grdb_migrations`, and what it ran.
    struct Step {
        var identifier: String
        var apply: @Sendable (Database) throws -> Void

        static func sql(_ identifier: String, _ text: String) -> Step { Step(identifier: identifier) { try $0.execute(sql: text) } }
    }

    /// The v3 migration as it shipped: the documented in-place rewrite of the stored `CREATE TABLE`.
    static let v3 = Step(identifier: "v3-live-source-check") { db in
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        try db.execute(sql: "UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'jobs'",
                       arguments: [v3From, v3To])
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
    }

    /// The v8 migration as it shipped: its SQL, then the rollup summed for every zone with the
    /// statement `UsageRollup.rebuild` ran then (`v8RollupSums`).
    static let v8Step = Step(identifier: "v8-usage-rollup") { db in
        try db.execute(sql: v8)
        for tz in try String.fetchAll(db, sql: "SELECT tz FROM usage_zones") {
            try db.execute(sql: v8RollupSums, arguments: [tz])
        }
    }

    /// Every shipped migration in the order it runs, with the text it has now shipped with (the
    /// first releases' texts of v1 and v2 are in `histories`).
    static let current: [Step] = [
        .sql("v1-jobs", v1), .sql("v2-sync-runs", v2), v3, .sql("v4-job-flags", v4), .sql("v5-sync-runs-unresolved", v5),
        .sql("v6-sync-runs-process", v6), .sql("v7-sync-runs-failed-requests", v7), v8Step, .sql("v9-indexes-as-new-files", v9),
        .sql("v10-usage-microseconds", v10), .sql("v11-usage-by-project", v11),
    ]

    /// The schemas a livejobs file can have been left with, as the migrations it ran, in order:
    /// made by each release of main that changed the schema, and made by an early release and then
    /// upgraded by a later one (a file keeps the v1 or v2 text that ran on it).
    static let histories: [(String, [Step])] = [
        ("made by the first release, 5779031", [.sql("v1-jobs", v1FirstRelease)]),
        ("made by 3512ebb", [.sql("v1-jobs", v1FirstRelease), .sql("v2-sync-runs", v2FirstRelease)]),
        ("made by 5779031, upgraded by 8f5eefd", [.sql("v1-jobs", v1FirstRelease), .sql("v2-sync-runs", v2)]),
        ("made by 5826a8d", [.sql("v1-jobs", v1), .sql("v2-sync-runs", v2FirstRelease)]),
        ("made by 8f5eefd", Array(current.prefix(2))),
        ("made by 5c9ea11", Array(current.prefix(3))),
        ("made by e895daa", Array(current.prefix(4))),
        ("made by 7fc895c", Array(current.prefix(5))),
        ("made by 200b5fc", Array(current.prefix(7))),
        ("made by 686297b", Array(current.prefix(8))),
        ("made by f090e9d", Array(current.prefix(9))),
        ("made by 678bc5f", Array(current.prefix(10))),
        ("made by this release", current),
        ("made by 3512ebb, upgraded by 200b5fc", [.sql("v1-jobs", v1FirstRelease), .sql("v2-sync-runs", v2FirstRelease)] + current[2 ..< 7]),
        ("made by 3512ebb, upgraded by 686297b", [.sql("v1-jobs", v1FirstRelease), .sql("v2-sync-runs", v2FirstRelease)] + current[2 ..< 8]),
        ("made by 3512ebb, upgraded by f090e9d", [.sql("v1-jobs", v1FirstRelease), .sql("v2-sync-runs", v2FirstRelease)] + current[2 ..< 9]),
        ("made by 3512ebb, upgraded by 678bc5f", [.sql("v1-jobs", v1FirstRelease), .sql("v2-sync-runs", v2FirstRelease)] + current[2 ..< 10]),
    ]
}
