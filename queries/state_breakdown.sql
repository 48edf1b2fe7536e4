-- title: Jobs by state
-- description: How the month's jobs ended, one row per state as the API sent it (states this version does not know are listed as they are).
-- reader: How this month's jobs ended: one row per state, with its share of the jobs and the hours those jobs were live. A state this version of livejobs does not know is listed as the API sent it.
-- empty: No job was counted in this month.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides which month a job is counted in.
-- report: 2
SELECT
    COALESCE(r.state, '(none)')                                    AS state,
    SUM(r.jobs)                                                    AS jobs,
    ROUND(1.0 * SUM(r.jobs) / SUM(SUM(r.jobs)) OVER (), 4)         AS share,
    ROUND(COALESCE(SUM(r.job_live_us), 0) / 3600000000.0, 2)       AS live_hours_of_these_jobs
FROM usage_rollup r
WHERE r.tz = :tz AND r.month = :month
GROUP BY r.state
HAVING SUM(r.jobs) > 0
ORDER BY jobs DESC, state;
