-- title: Months side by side
-- description: Every month up to and including :month, with jobs, hours live and streamed, stream ratio, error and block rates, so this month can be read against the ones before it.
-- param: month month required The last month shown, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
-- report: 7
SELECT
    substr(u.day, 1, 7)                                            AS month,
    SUM(u.is_home)                                                 AS jobs,
    COUNT(DISTINCT CASE WHEN j.room_id IS NOT NULL THEN json_array(j.project_id, j.region, j.room_id) END) AS rooms,
    ROUND(COALESCE(SUM(u.live_seconds), 0) / 3600.0, 2)            AS live_hours,
    ROUND(COALESCE(SUM(u.streamed_seconds), 0) / 3600.0, 2)        AS streamed_hours,
    ROUND(SUM(CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.streamed_seconds END)
        / NULLIF(SUM(CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.live_seconds END), 0), 4)
                                                                   AS stream_ratio,
    ROUND(COALESCE(SUM(CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.live_us END), 0) / 3600000000.0, 2)
                                                                   AS ratio_live_hours,
    SUM(u.is_home * (j.streamed_seconds IS NULL))                  AS jobs_without_stream,
    ROUND(1.0 * SUM(u.is_home * j.is_error) / NULLIF(SUM(u.is_home * j.counts_in_rates), 0), 4)   AS error_rate,
    ROUND(1.0 * SUM(u.is_home * j.is_blocked) / NULLIF(SUM(u.is_home * j.counts_in_rates), 0), 4) AS block_rate
FROM job_day_usage u
JOIN jobs j ON j.job_id = u.job_id
WHERE u.tz = :tz AND u.day <= :month || '-31'
GROUP BY substr(u.day, 1, 7)
ORDER BY month;
