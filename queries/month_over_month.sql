-- title: Month over month
-- description: Every figure of the month at a glance (month_summary) next to the same figure for the month before, one row per figure: the change (this month's value less the previous month's) and, for counts and hours, the relative change (the change over the previous value, a fraction). Rates and ratios change in points: their change is a difference of fractions (0.013 is 1.3 percentage points) and they have no relative change. A previous value of 0 gives no relative change (`comparison` says `new`, or `n/a` when this month is 0 too); a rate with no rated jobs in either month gives no change (`n/a`); when no month before :month is stored, nothing is compared (`first month`).
-- reader: How each headline figure moved since the month before.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
WITH span AS (
    SELECT substr(date(:month || '-01', '-1 month'), 1, 7)          AS previous_month,
           EXISTS (SELECT 1 FROM usage_rollup r
                   WHERE r.tz = :tz AND r.month < :month AND r.day IS NOT NULL) AS has_previous
),
figures (position, figure, kind) AS (
    VALUES (1, 'jobs', 'count'), (2, 'rooms', 'count'), (3, 'live_hours', 'hours'),
           (4, 'streamed_hours', 'hours'), (5, 'stream_ratio', 'rate'), (6, 'ratio_live_hours', 'hours'),
           (7, 'jobs_without_stream', 'count'), (8, 'error_rate', 'rate'), (9, 'block_rate', 'rate'),
           (10, 'failed_jobs', 'count'), (11, 'blocked_jobs', 'count'), (12, 'ongoing_jobs', 'count'),
           (13, 'jobs_without_duration', 'count'), (14, 'flagged_jobs', 'count')
),
pairs AS (
    SELECT g.position, g.figure, g.kind, s.previous_month, s.has_previous,
           CASE g.figure
               WHEN 'jobs' THEN COALESCE(n.jobs, 0) WHEN 'rooms' THEN COALESCE(n.rooms, 0)
               WHEN 'live_hours' THEN COALESCE(n.live_hours, 0.0) WHEN 'streamed_hours' THEN COALESCE(n.streamed_hours, 0.0)
               WHEN 'stream_ratio' THEN n.stream_ratio WHEN 'ratio_live_hours' THEN COALESCE(n.ratio_live_hours, 0.0)
               WHEN 'jobs_without_stream' THEN COALESCE(n.jobs_without_stream, 0)
               WHEN 'error_rate' THEN n.error_rate WHEN 'block_rate' THEN n.block_rate
               WHEN 'failed_jobs' THEN COALESCE(n.failed_jobs, 0) WHEN 'blocked_jobs' THEN COALESCE(n.blocked_jobs, 0)
               WHEN 'ongoing_jobs' THEN COALESCE(n.ongoing_jobs, 0)
               WHEN 'jobs_without_duration' THEN COALESCE(n.jobs_without_duration, 0)
               WHEN 'flagged_jobs' THEN COALESCE(n.flagged_jobs, 0)
           END                                                     AS value,
           CASE WHEN s.has_previous THEN CASE g.figure
               WHEN 'jobs' THEN COALESCE(p.jobs, 0) WHEN 'rooms' THEN COALESCE(p.rooms, 0)
               WHEN 'live_hours' THEN COALESCE(p.live_hours, 0.0) WHEN 'streamed_hours' THEN COALESCE(p.streamed_hours, 0.0)
               WHEN 'stream_ratio' THEN p.stream_ratio WHEN 'ratio_live_hours' THEN COALESCE(p.ratio_live_hours, 0.0)
               WHEN 'jobs_without_stream' THEN COALESCE(p.jobs_without_stream, 0)
               WHEN 'error_rate' THEN p.error_rate WHEN 'block_rate' THEN p.block_rate
               WHEN 'failed_jobs' THEN COALESCE(p.failed_jobs, 0) WHEN 'blocked_jobs' THEN COALESCE(p.blocked_jobs, 0)
               WHEN 'ongoing_jobs' THEN COALESCE(p.ongoing_jobs, 0)
               WHEN 'jobs_without_duration' THEN COALESCE(p.jobs_without_duration, 0)
               WHEN 'flagged_jobs' THEN COALESCE(p.flagged_jobs, 0)
           END END                                                 AS previous_value
    FROM figures g
    CROSS JOIN span s
    LEFT JOIN usage_figures n ON n.tz = :tz AND n.grain = 'month' AND n.month = :month
    LEFT JOIN usage_figures p ON p.tz = :tz AND p.grain = 'month' AND p.month = substr(date(:month || '-01', '-1 month'), 1, 7)
)
SELECT
    :month                                                         AS month,
    previous_month                                                 AS previous_month,
    figure                                                         AS figure,
    kind                                                           AS kind,
    value                                                          AS value,
    previous_value                                                 AS previous_value,
    CASE WHEN value IS NULL OR previous_value IS NULL THEN NULL
         WHEN kind = 'count' THEN value - previous_value
         WHEN kind = 'hours' THEN ROUND(value - previous_value, 2)
         ELSE ROUND(value - previous_value, 4) END                 AS change,
    CASE WHEN kind <> 'rate' AND previous_value > 0
         THEN ROUND(1.0 * (value - previous_value) / previous_value, 4) END
                                                                   AS relative_change,
    CASE WHEN NOT has_previous THEN 'first month'
         WHEN value IS NULL OR previous_value IS NULL THEN 'n/a'
         WHEN kind = 'rate' THEN 'points'
         WHEN previous_value = 0 AND value = 0 THEN 'n/a'
         WHEN previous_value = 0 THEN 'new'
         ELSE 'percent' END                                        AS comparison
FROM pairs
ORDER BY position;
