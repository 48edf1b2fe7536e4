-- title: Month at a glance
-- description: The headline figures of one month: jobs counted in it, hours live and streamed in it, stream ratio, error and block rates, active rooms, ongoing jobs, jobs without a duration and flagged jobs (stored, but left out of the figures their unusable values would falsify; see the Data quality section), and the stream ratio's coverage: the live hours it is computed over (those with stream data) and the jobs with no stream data.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
-- report: 1
SELECT
    :month                                                         AS month,
    :tz                                                            AS tz,
    COALESCE(f.jobs, 0)                                            AS jobs,
    COALESCE(f.rooms, 0)                                           AS rooms,
    COALESCE(f.live_hours, 0.0)                                    AS live_hours,
    COALESCE(f.streamed_hours, 0.0)                                AS streamed_hours,
    f.stream_ratio                                                 AS stream_ratio,
    f.error_rate                                                   AS error_rate,
    f.block_rate                                                   AS block_rate,
    COALESCE(f.failed_jobs, 0)                                     AS failed_jobs,
    COALESCE(f.blocked_jobs, 0)                                    AS blocked_jobs,
    COALESCE(f.ongoing_jobs, 0)                                    AS ongoing_jobs,
    COALESCE(f.jobs_without_duration, 0)                           AS jobs_without_duration,
    COALESCE(f.flagged_jobs, 0)                                    AS flagged_jobs,
    COALESCE(f.ratio_live_hours, 0.0)                              AS ratio_live_hours,
    COALESCE(f.jobs_without_stream, 0)                             AS jobs_without_stream
FROM (SELECT 1) AS one
LEFT JOIN usage_figures f ON f.tz = :tz AND f.grain = 'month' AND f.month = :month;
