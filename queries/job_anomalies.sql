-- title: Odd jobs
-- description: Jobs of :month that look wrong, one row each with `kind`: `stream_ratio_high` (stream ratio above :stream_ratio_above), `stream_without_live` (streamed time but no live time known: its streamed hours count and its live hours cannot), `zero_length` (live 0 seconds), `long_processing` (still PROCESSING, started by the end of :month, running more than :processing_times times its room's median live length over SUCCEED jobs and at least :processing_min_hours hours; a room needs :usual_min_jobs such jobs for a median); and one `flagged` row counting the month's jobs flagged at import (as the headline counts them), which the Data quality section lists (docs/METRICS.md, "Anomalies").
-- reader: Single livestreams that look wrong: more time streamed than live (or streamed with no live time known), no length at all, or still running far longer than usual in their room. The last line counts the jobs whose data could not be fully used; the Data quality section says which and why.
-- empty: No odd job and no flagged job this month.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides which month a job is counted in.
-- param: stream_ratio_above real default=1.0 A job whose stream ratio is above this is shown.
-- param: processing_times real default=3 A PROCESSING job is shown when it has run more than this many times its room's median live length...
-- param: processing_min_hours real default=24 ...and at least this many hours.
-- param: usual_min_jobs integer default=5 SUCCEED jobs with a live length a room needs for its median.
-- range: stream_ratio_above 0
-- range: processing_times 0
-- range: processing_min_hours 0
-- range: usual_min_jobs 1
-- codes: kind
-- report: 10
WITH month_jobs AS (
    -- The month's jobs that may be odd, found from their home day's row alone (narrow rows, read in
    -- day order), before any jobs row is read: a job's streamed time is split across days in the
    -- proportions of its live time, so its home day's ratio is the job's, to a microsecond of
    -- rounding either way (hence the ±1); the exact test on the job follows. Reading every jobs
    -- row of a month (kilobytes each) took seconds on a million jobs.
    SELECT j.job_id, j.project_id, j.region, j.room_id, j.state, j.start_time, j.live_seconds,
           j.streamed_seconds, j.stream_ratio
    FROM job_day_usage h JOIN jobs j ON j.job_id = h.job_id
    WHERE h.tz = :tz AND h.is_home = 1 AND h.day BETWEEN :month || '-01' AND :month || '-31'
      AND (h.live_us IS NULL OR h.live_us <= 1 OR h.streamed_us + 1 > :stream_ratio_above * (h.live_us - 1))
),
running AS (
    -- How long a PROCESSING job has been live as far as its last update shows (also when it is
    -- flagged stale and so left out of the live hours). `state IN (...)` lets SQLite read the
    -- partial index of unfinished jobs instead of every job.
    SELECT j.job_id, j.project_id, j.region, j.room_id, j.state, j.start_time, j.streamed_seconds, j.stream_ratio,
           COALESCE(j.live_seconds, ROUND((julianday(j.lastupdate_time) - julianday(j.start_time)) * 86400.0, 3)) AS running_seconds
    FROM jobs j
    WHERE j.state IN ('WAITING', 'PROCESSING') AND j.state = 'PROCESSING'
      AND EXISTS (SELECT 1 FROM job_day_usage h
                  WHERE h.job_id = j.job_id AND h.tz = :tz AND h.is_home = 1 AND h.day <= :month || '-31')
),
candidates AS (
    SELECT * FROM running WHERE running_seconds >= :processing_min_hours * 3600.0
),
-- The usual length is taken only in the rooms of a candidate, read through the room index: a
-- median over every stored job took seconds on a million jobs.
candidate_rooms AS (
    SELECT DISTINCT project_id, region, room_id FROM candidates WHERE room_id IS NOT NULL
),
lengths AS (
    SELECT s.project_id, s.region, s.room_id, s.live_seconds,
           ROW_NUMBER() OVER (PARTITION BY s.project_id, s.region, s.room_id ORDER BY s.live_seconds) AS n,
           COUNT(*) OVER (PARTITION BY s.project_id, s.region, s.room_id) AS c
    FROM candidate_rooms k
    CROSS JOIN jobs s
    -- Only room_id may drive the search (the + hides the other terms from the planner), so that
    -- SQLite reads the room's jobs through jobs_by_room instead of indexing every job first.
    WHERE s.room_id = k.room_id AND +s.project_id IS k.project_id AND +s.region IS k.region
      AND +s.state = 'SUCCEED' AND +s.live_seconds IS NOT NULL
),
usual AS (
    SELECT project_id, region, room_id, AVG(live_seconds) AS median_seconds
    FROM lengths
    WHERE c >= :usual_min_jobs AND n IN ((c + 1) / 2, (c + 2) / 2)
    GROUP BY project_id, region, room_id
),
odd AS (
    SELECT 1 AS kind_order, 'stream_ratio_high' AS kind, j.job_id, j.project_id, j.region, j.room_id, j.state,
           j.start_time, j.live_seconds, j.streamed_seconds, j.stream_ratio, NULL AS median_seconds,
           :stream_ratio_above AS threshold, 1 AS jobs,
           printf('streamed %.0f s while live %.0f s', j.streamed_seconds, j.live_seconds) AS detail
    FROM month_jobs j
    WHERE j.stream_ratio > :stream_ratio_above
    UNION ALL
    SELECT 1, 'stream_without_live', j.job_id, j.project_id, j.region, j.room_id, j.state,
           j.start_time, j.live_seconds, j.streamed_seconds, j.stream_ratio, NULL, NULL, 1,
           printf('streamed %.0f s with no live time known (no duration and no end)', j.streamed_seconds)
    FROM month_jobs j
    WHERE j.live_seconds IS NULL AND j.streamed_seconds > 0
    UNION ALL
    SELECT 2, 'zero_length', j.job_id, j.project_id, j.region, j.room_id, j.state,
           j.start_time, j.live_seconds, j.streamed_seconds, j.stream_ratio, NULL, NULL, 1,
           'live for 0 s'
    FROM month_jobs j
    WHERE j.live_seconds = 0
    UNION ALL
    SELECT 3, 'long_processing', j.job_id, j.project_id, j.region, j.room_id, j.state,
           j.start_time, j.running_seconds, j.streamed_seconds, j.stream_ratio, u.median_seconds,
           :processing_times, 1,
           printf('still PROCESSING after %.1f h, %.1f times the room''s median of %.1f h',
                  j.running_seconds / 3600.0, j.running_seconds / u.median_seconds, u.median_seconds / 3600.0)
    FROM candidates j
    JOIN usual u ON u.project_id IS j.project_id AND u.region IS j.region AND u.room_id IS j.room_id
    WHERE j.running_seconds > :processing_times * u.median_seconds
      AND j.running_seconds >= :processing_min_hours * 3600.0
    UNION ALL
    SELECT 4, 'flagged', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, f.n,
           printf('%d of this month''s jobs flagged at import: see the Data quality section', f.n)
    FROM (SELECT flagged_jobs AS n FROM usage_figures WHERE tz = :tz AND grain = 'month' AND month = :month) f
    WHERE f.n > 0
)
SELECT
    o.kind                                                         AS kind,
    o.job_id                                                       AS job_id,
    o.project_id                                                   AS project_id,
    o.region                                                       AS region,
    o.room_id                                                      AS room_id,
    (SELECT r.room_name FROM jobs r
     WHERE r.room_id IS o.room_id AND r.project_id IS o.project_id AND r.region IS o.region AND o.room_id IS NOT NULL
     ORDER BY r.create_time DESC LIMIT 1)                          AS room_name,
    o.state                                                        AS state,
    o.start_time                                                   AS start_time,
    ROUND(o.live_seconds / 3600.0, 2)                              AS live_hours,
    ROUND(o.stream_ratio, 4)                                       AS stream_ratio,
    ROUND(o.median_seconds / 3600.0, 2)                            AS room_median_hours,
    o.threshold                                                    AS threshold,
    o.jobs                                                         AS jobs,
    o.detail                                                       AS detail
FROM odd o
ORDER BY o.kind_order, o.live_seconds DESC, o.job_id;
