-- title: Jobs by state
-- description: How the month's jobs ended, one row per state as the API sent it (states this version does not know are listed as they are).
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides which month a job is counted in.
-- report: 2
SELECT
    COALESCE(j.state, '(none)')                                    AS state,
    COUNT(*)                                                       AS jobs,
    ROUND(1.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 4)               AS share,
    ROUND(COALESCE(SUM(j.live_seconds), 0) / 3600.0, 2)            AS live_hours_of_these_jobs
FROM job_day_usage u
JOIN jobs j ON j.job_id = u.job_id
WHERE u.tz = :tz AND u.is_home = 1 AND u.day BETWEEN :month || '-01' AND :month || '-31'
GROUP BY j.state
ORDER BY jobs DESC, state;
