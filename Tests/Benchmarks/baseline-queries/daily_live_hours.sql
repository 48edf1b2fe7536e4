-- title: Daily live hours
-- description: Every day of the month with the jobs started that day and the hours live and streamed on it (a job running past midnight gives each day its share).
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides where a day begins.
-- report: 4
-- chart: column day live_hours
WITH RECURSIVE days(day) AS (
    SELECT :month || '-01'
    UNION ALL
    SELECT date(day, '+1 day') FROM days
    WHERE date(day, '+1 day') <= date(:month || '-01', '+1 month', '-1 day')
),
per_day AS (
    SELECT u.day,
           SUM(u.is_home)             AS jobs_started,
           SUM(u.live_seconds)        AS live_seconds,
           SUM(u.streamed_seconds)    AS streamed_seconds,
           COUNT(DISTINCT CASE WHEN j.room_id IS NOT NULL THEN json_array(j.project_id, j.region, j.room_id) END) AS active_rooms
    FROM job_day_usage u
    JOIN jobs j ON j.job_id = u.job_id
    WHERE u.tz = :tz AND u.day BETWEEN :month || '-01' AND :month || '-31'
    GROUP BY u.day
)
SELECT
    d.day                                                          AS day,
    COALESCE(p.jobs_started, 0)                                    AS jobs_started,
    ROUND(COALESCE(p.live_seconds, 0) / 3600.0, 2)                 AS live_hours,
    ROUND(COALESCE(p.streamed_seconds, 0) / 3600.0, 2)             AS streamed_hours,
    COALESCE(p.active_rooms, 0)                                    AS active_rooms
FROM days d
LEFT JOIN per_day p ON p.day = d.day
ORDER BY d.day;
