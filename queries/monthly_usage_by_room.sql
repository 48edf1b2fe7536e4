-- title: Monthly usage by room
-- description: Per room, the jobs counted in the month (by start, else creation) and the hours live and streamed in it; a job that crosses a month end gives each month its share. Rates count SUCCEED, FAILED and BLOCKED jobs only. Each room also carries the previous month's jobs and live hours and the change (this month less the previous one), and its status: `new` (active this month, not in the previous one), `continuing` (active in both), `gone` (active in the previous month only: a row of zeros this month), or `first month` when no month before :month is stored (the previous figures and changes are then empty). A room is its project, region and room id.
-- reader: Each room's jobs and hours this month, the room with the most hours live first, beside the month before: which rooms are new, which carried on, and which went quiet (listed last, with zeros). A livestream that runs into the next month gives each month its share of hours; error and block rates count only the jobs that finished.
-- empty: No room had a job counted in this month or the month before.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
-- codes: status
-- report: 3
-- chart: bar room_name live_hours
WITH this_month AS (
    SELECT * FROM usage_figures f
    WHERE f.tz = :tz AND f.grain = 'month-room' AND f.month = :month
),
previous AS (
    SELECT * FROM usage_figures f
    WHERE f.tz = :tz AND f.grain = 'month-room' AND f.month = substr(date(:month || '-01', '-1 month'), 1, 7)
),
rooms AS (
    SELECT project_id, region, room_id FROM this_month
    UNION
    SELECT project_id, region, room_id FROM previous
),
span AS (
    SELECT EXISTS (SELECT 1 FROM usage_rollup r
                   WHERE r.tz = :tz AND r.month < :month AND r.day IS NOT NULL) AS has_previous
),
paired AS (
    SELECT r.project_id, r.region, r.room_id, s.has_previous, n.jobs, n.live_hours, n.streamed_hours, n.stream_ratio, n.ratio_live_hours, n.jobs_without_stream, n.error_rate, n.block_rate, n.failed_jobs, n.blocked_jobs, n.jobs_without_duration,
           p.jobs AS previous_jobs, p.live_hours AS previous_live_hours
    FROM rooms r
    CROSS JOIN span s
    LEFT JOIN this_month n ON n.project_id IS r.project_id AND n.region IS r.region AND n.room_id IS r.room_id
    LEFT JOIN previous p ON p.project_id IS r.project_id AND p.region IS r.region AND p.room_id IS r.room_id
)
SELECT
    f.project_id                                                   AS project_id,
    f.region                                                       AS region,
    f.room_id                                                      AS room_id,
    (SELECT r.room_name FROM jobs r
     WHERE r.room_id IS f.room_id AND r.project_id IS f.project_id AND r.region IS f.region
     ORDER BY r.create_time DESC LIMIT 1)                          AS room_name,
    COALESCE(f.jobs, 0)                                            AS jobs,
    COALESCE(f.live_hours, 0.0)                                    AS live_hours,
    COALESCE(f.streamed_hours, 0.0)                                AS streamed_hours,
    f.stream_ratio                                                 AS stream_ratio,
    COALESCE(f.ratio_live_hours, 0.0)                              AS ratio_live_hours,
    COALESCE(f.jobs_without_stream, 0)                             AS jobs_without_stream,
    f.error_rate                                                   AS error_rate,
    f.block_rate                                                   AS block_rate,
    COALESCE(f.failed_jobs, 0)                                     AS failed_jobs,
    COALESCE(f.blocked_jobs, 0)                                    AS blocked_jobs,
    COALESCE(f.jobs_without_duration, 0)                           AS jobs_without_duration,
    CASE WHEN f.has_previous THEN COALESCE(f.previous_jobs, 0) END AS previous_jobs,
    CASE WHEN f.has_previous THEN COALESCE(f.previous_live_hours, 0.0) END
                                                                   AS previous_live_hours,
    CASE WHEN f.has_previous THEN COALESCE(f.jobs, 0) - COALESCE(f.previous_jobs, 0) END
                                                                   AS jobs_change,
    CASE WHEN f.has_previous THEN ROUND(COALESCE(f.live_hours, 0.0) - COALESCE(f.previous_live_hours, 0.0), 2) END
                                                                   AS live_hours_change,
    CASE WHEN NOT f.has_previous THEN 'first month'
         WHEN f.jobs IS NULL THEN 'gone'
         WHEN f.previous_jobs IS NULL THEN 'new'
         ELSE 'continuing' END                                     AS status
FROM paired f
ORDER BY f.jobs IS NULL, live_hours DESC, project_id, region, room_id;
