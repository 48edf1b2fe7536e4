-- title: Daily live hours
-- description: Every day of the month with the jobs started that day and the hours live and streamed on it (a job running past midnight gives each day its share).
-- reader: Every day of the month: the jobs that started that day and the hours live and streamed on it. A livestream that runs past midnight gives each day its share.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides where a day begins.
-- report: 4
-- chart: column day live_hours
WITH RECURSIVE days(day) AS (
    SELECT :month || '-01'
    UNION ALL
    SELECT date(day, '+1 day') FROM days
    WHERE date(day, '+1 day') <= date(:month || '-01', '+1 month', '-1 day')
)
SELECT
    d.day                                                          AS day,
    COALESCE(f.jobs, 0)                                            AS jobs_started,
    COALESCE(f.live_hours, 0.0)                                    AS live_hours,
    COALESCE(f.streamed_hours, 0.0)                                AS streamed_hours,
    COALESCE(f.rooms, 0)                                           AS active_rooms
FROM days d
LEFT JOIN usage_figures f ON f.tz = :tz AND f.grain = 'day' AND f.month = :month AND f.period = d.day
ORDER BY d.day;
