-- title: Month by project
-- description: The month's headline figures per project and region (usage_figures grain month-project): jobs counted in the month, active rooms, hours live and streamed in it, stream ratio with the live hours it covers (ratio_live_hours) and the jobs without stream data, error and block rates.
-- reader: How the month splits between the projects and regions in this report.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
SELECT
    f.project_id                                                   AS project_id,
    f.region                                                       AS region,
    f.jobs                                                         AS jobs,
    f.rooms                                                        AS rooms,
    f.live_hours                                                   AS live_hours,
    f.streamed_hours                                               AS streamed_hours,
    f.stream_ratio                                                 AS stream_ratio,
    f.ratio_live_hours                                             AS ratio_live_hours,
    f.jobs_without_stream                                          AS jobs_without_stream,
    f.error_rate                                                   AS error_rate,
    f.block_rate                                                   AS block_rate,
    f.failed_jobs                                                  AS failed_jobs,
    f.blocked_jobs                                                 AS blocked_jobs
FROM usage_figures f
WHERE f.tz = :tz AND f.grain = 'month-project' AND f.month = :month
ORDER BY live_hours DESC, jobs DESC, project_id, region;
