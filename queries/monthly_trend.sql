-- title: Months side by side
-- description: Every month up to and including :month, with jobs, hours live and streamed, stream ratio, error and block rates, so this month can be read against the ones before it.
-- reader: This month beside every month before it, so a change in jobs, hours or rates can be seen at a glance.
-- empty: No month up to this one has jobs.
-- param: month month required The last month shown, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
-- report: 7
SELECT
    f.month                                                        AS month,
    f.jobs                                                         AS jobs,
    f.rooms                                                        AS rooms,
    f.live_hours                                                   AS live_hours,
    f.streamed_hours                                               AS streamed_hours,
    f.stream_ratio                                                 AS stream_ratio,
    f.ratio_live_hours                                             AS ratio_live_hours,
    f.jobs_without_stream                                          AS jobs_without_stream,
    f.error_rate                                                   AS error_rate,
    f.block_rate                                                   AS block_rate
FROM usage_figures f
WHERE f.tz = :tz AND f.grain = 'month' AND f.month <= :month
ORDER BY month;
