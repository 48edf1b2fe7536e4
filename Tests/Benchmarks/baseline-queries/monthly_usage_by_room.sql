-- title: Monthly usage by room
-- description: Per room, the jobs counted in the month (by start, else creation) and the hours live and streamed in it; a job that crosses a month end gives each month its share. Rates count SUCCEED, FAILED and BLOCKED jobs only.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
-- report: 3
-- chart: bar room_name live_hours
WITH usage AS (
    SELECT u.job_id, u.live_seconds, u.streamed_seconds, u.is_home
    FROM job_day_usage u
    WHERE u.tz = :tz AND u.day BETWEEN :month || '-01' AND :month || '-31'
)
SELECT
    j.project_id                                                   AS project_id,
    j.region                                                       AS region,
    j.room_id                                                      AS room_id,
    (SELECT r.room_name FROM jobs r
     WHERE r.room_id IS j.room_id AND r.project_id IS j.project_id AND r.region IS j.region
     ORDER BY r.create_time DESC LIMIT 1)                          AS room_name,
    SUM(u.is_home)                                                 AS jobs,
    ROUND(COALESCE(SUM(u.live_seconds), 0) / 3600.0, 2)            AS live_hours,
    ROUND(COALESCE(SUM(u.streamed_seconds), 0) / 3600.0, 2)        AS streamed_hours,
    ROUND(SUM(CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.streamed_seconds END)
        / NULLIF(SUM(CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.live_seconds END), 0), 4)
                                                                   AS stream_ratio,
    ROUND(1.0 * SUM(u.is_home * j.is_error) / NULLIF(SUM(u.is_home * j.counts_in_rates), 0), 4)   AS error_rate,
    ROUND(1.0 * SUM(u.is_home * j.is_blocked) / NULLIF(SUM(u.is_home * j.counts_in_rates), 0), 4) AS block_rate,
    SUM(u.is_home * j.is_error)                                    AS failed_jobs,
    SUM(u.is_home * j.is_blocked)                                  AS blocked_jobs,
    SUM(u.is_home * (j.live_seconds IS NULL))                      AS jobs_without_duration
FROM usage u
JOIN jobs j ON j.job_id = u.job_id
GROUP BY j.project_id, j.region, j.room_id
ORDER BY live_hours DESC, project_id, region, room_id;
