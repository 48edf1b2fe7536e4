-- title: Room comparison
-- description: The rooms named in :rooms (by room_id or exact room_name), one row each in the order named, with the same figures as the monthly usage; over all stored jobs without :month.
-- param: rooms list required Comma-separated room ids or exact room names.
-- param: month month optional The calendar month, YYYY-MM, in time zone :tz; all months when left out.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
WITH wanted AS (
    SELECT key AS position, value AS name FROM json_each(:rooms)
),
picked AS (
    SELECT j.room_id, MIN(w.position) AS position
    FROM jobs j
    JOIN wanted w ON j.room_id = w.name OR j.room_name = w.name
    GROUP BY j.room_id
),
usage AS (
    SELECT u.job_id, u.live_seconds, u.streamed_seconds, u.is_home
    FROM job_day_usage u
    WHERE u.tz = :tz
      AND (:month IS NULL OR u.day BETWEEN :month || '-01' AND :month || '-31')
)
SELECT
    p.room_id                                                      AS room_id,
    (SELECT r.room_name FROM jobs r WHERE r.room_id IS p.room_id ORDER BY r.create_time DESC LIMIT 1)
                                                                   AS room_name,
    COALESCE(SUM(u.is_home), 0)                                    AS jobs,
    ROUND(COALESCE(SUM(u.live_seconds), 0) / 3600.0, 2)            AS live_hours,
    ROUND(COALESCE(SUM(u.streamed_seconds), 0) / 3600.0, 2)        AS streamed_hours,
    ROUND(SUM(CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.streamed_seconds END)
        / NULLIF(SUM(CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.live_seconds END), 0), 4)
                                                                   AS stream_ratio,
    ROUND(1.0 * SUM(u.is_home * j.is_error) / NULLIF(SUM(u.is_home * j.counts_in_rates), 0), 4)   AS error_rate,
    ROUND(1.0 * SUM(u.is_home * j.is_blocked) / NULLIF(SUM(u.is_home * j.counts_in_rates), 0), 4) AS block_rate,
    COALESCE(SUM(u.is_home * j.is_error), 0)                       AS failed_jobs,
    COALESCE(SUM(u.is_home * j.is_blocked), 0)                     AS blocked_jobs,
    ROUND(COALESCE(SUM(u.live_seconds), 0) / 3600.0 / NULLIF(SUM(u.is_home), 0), 2) AS live_hours_per_job,
    MIN(CASE WHEN u.is_home = 1 THEN j.start_time END)             AS first_start,
    MAX(CASE WHEN u.is_home = 1 THEN j.start_time END)             AS last_start
FROM picked p
LEFT JOIN jobs j ON j.room_id IS p.room_id
LEFT JOIN usage u ON u.job_id = j.job_id
GROUP BY p.room_id
ORDER BY p.position, p.room_id;
