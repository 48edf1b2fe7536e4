-- title: Month at a glance
-- description: The headline figures of one month: jobs counted in it, hours live and streamed in it, stream ratio, error and block rates, active rooms, ongoing jobs, jobs without a duration and flagged jobs (stored, but left out of the figures their unusable values would falsify; see the Data quality section), and the stream ratio's coverage: the live hours it is computed over (those with stream data) and the jobs with no stream data.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
-- report: 1
WITH usage AS (
    SELECT u.job_id, u.live_seconds, u.streamed_seconds, u.is_home
    FROM job_day_usage u
    WHERE u.tz = :tz AND u.day BETWEEN :month || '-01' AND :month || '-31'
)
SELECT
    :month                                                         AS month,
    :tz                                                            AS tz,
    COALESCE(SUM(u.is_home), 0)                                    AS jobs,
    COUNT(DISTINCT CASE WHEN j.room_id IS NOT NULL THEN json_array(j.project_id, j.region, j.room_id) END) AS rooms,
    ROUND(COALESCE(SUM(u.live_seconds), 0) / 3600.0, 2)            AS live_hours,
    ROUND(COALESCE(SUM(u.streamed_seconds), 0) / 3600.0, 2)        AS streamed_hours,
    ROUND(SUM(CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.streamed_seconds END)
        / NULLIF(SUM(CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.live_seconds END), 0), 4)
                                                                   AS stream_ratio,
    ROUND(1.0 * SUM(u.is_home * j.is_error) / NULLIF(SUM(u.is_home * j.counts_in_rates), 0), 4)   AS error_rate,
    ROUND(1.0 * SUM(u.is_home * j.is_blocked) / NULLIF(SUM(u.is_home * j.counts_in_rates), 0), 4) AS block_rate,
    COALESCE(SUM(u.is_home * j.is_error), 0)                       AS failed_jobs,
    COALESCE(SUM(u.is_home * j.is_blocked), 0)                     AS blocked_jobs,
    COALESCE(SUM(u.is_home * j.is_ongoing), 0)                     AS ongoing_jobs,
    COALESCE(SUM(u.is_home * (j.live_seconds IS NULL)), 0)         AS jobs_without_duration,
    COALESCE(SUM(CASE WHEN u.is_home = 1 AND EXISTS (SELECT 1 FROM job_flags f WHERE f.job_id = u.job_id) THEN 1 END), 0)
                                                                   AS flagged_jobs,
    ROUND(COALESCE(SUM(CASE WHEN u.live_seconds IS NOT NULL AND u.streamed_seconds IS NOT NULL THEN u.live_seconds END), 0) / 3600.0, 2)
                                                                   AS ratio_live_hours,
    COALESCE(SUM(u.is_home * (j.streamed_seconds IS NULL)), 0)     AS jobs_without_stream
FROM usage u
JOIN jobs j ON j.job_id = u.job_id;
