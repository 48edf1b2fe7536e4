-- title: Rooms that changed
-- description: Rooms whose error rate, block rate or stream ratio moved more than a threshold (in points, fractions) from the room's own baseline, or whose live hours moved more than a share of it; the baseline is the room's figures over the :baseline_months months before :month, its live hours the average of those months that have any job. A room needs :min_jobs jobs in the month and :min_baseline_jobs in the baseline. One row per room and figure that moved; `threshold_on` names the column compared with `threshold` (docs/METRICS.md, "Anomalies").
-- reader: Rooms whose figures this month moved well away from their own usual level (the three months before, by default): which figure, this month's value, the usual value and the threshold it crossed. Rooms with few jobs are left out, so that two failures in a quiet room raise no alarm.
-- empty: No room's error rate, block rate, stream ratio or live hours moved past its threshold this month.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
-- param: baseline_months integer default=3 How many months before :month make the baseline.
-- param: min_jobs integer default=20 Jobs a room needs in :month to be compared.
-- param: min_baseline_jobs integer default=30 Jobs a room needs in the baseline months to be compared.
-- param: error_rate_change real default=0.10 A change of the error rate larger than this (0.10 = 10 points) is shown.
-- param: block_rate_change real default=0.10 A change of the block rate larger than this is shown.
-- param: stream_ratio_change real default=0.10 A change of the stream ratio larger than this is shown.
-- param: live_hours_change real default=0.5 A change of live hours larger than this share of the baseline (0.5 = 50 %) is shown.
-- range: baseline_months 1 120
-- range: min_jobs 1
-- range: min_baseline_jobs 1
-- range: error_rate_change 0 1
-- range: block_rate_change 0 1
-- range: stream_ratio_change 0
-- range: live_hours_change 0
-- codes: figure threshold_on
-- report: 9
WITH span AS (
    SELECT substr(date(:month || '-01', printf('-%d months', MAX(:baseline_months, 1))), 1, 7) AS first_month
),
baseline_months AS (
    -- The baseline months that hold any job (in the report's scope): the live-hours average divides by these.
    SELECT COUNT(DISTINCT r.month) AS months
    FROM usage_rollup r, span w
    WHERE r.tz = :tz AND r.month >= w.first_month AND r.month < :month AND r.jobs > 0
),
this_month AS (
    SELECT r.project_id, r.region, r.room_id,
           SUM(r.jobs) AS jobs, SUM(r.rated_jobs) AS rated, SUM(r.failed_jobs) AS failed,
           SUM(r.blocked_jobs) AS blocked, SUM(r.paired_live_us) AS paired_live, SUM(r.paired_streamed_us) AS paired_streamed,
           COALESCE(SUM(r.live_us), 0) AS live_us, SUM(r.jobs_without_stream) AS jobs_without_stream
    FROM usage_rollup r
    WHERE r.tz = :tz AND r.month = :month AND r.room_id IS NOT NULL
    GROUP BY r.project_id, r.region, r.room_id
),
before AS (
    SELECT r.project_id, r.region, r.room_id,
           SUM(r.jobs) AS jobs, SUM(r.rated_jobs) AS rated, SUM(r.failed_jobs) AS failed,
           SUM(r.blocked_jobs) AS blocked, SUM(r.paired_live_us) AS paired_live, SUM(r.paired_streamed_us) AS paired_streamed,
           COALESCE(SUM(r.live_us), 0) AS live_us
    FROM usage_rollup r, span w
    WHERE r.tz = :tz AND r.month >= w.first_month AND r.month < :month AND r.room_id IS NOT NULL
    GROUP BY r.project_id, r.region, r.room_id
),
compared AS (
    SELECT n.project_id, n.region, n.room_id, n.jobs, b.jobs AS baseline_jobs, m.months AS baseline_months,
           COALESCE(n.paired_live, 0) / 3600000000.0              AS ratio_live_hours,
           n.jobs_without_stream                                   AS jobs_without_stream,
           1.0 * n.failed / NULLIF(n.rated, 0)                     AS error_rate,
           1.0 * b.failed / NULLIF(b.rated, 0)                     AS baseline_error_rate,
           1.0 * n.blocked / NULLIF(n.rated, 0)                    AS block_rate,
           1.0 * b.blocked / NULLIF(b.rated, 0)                    AS baseline_block_rate,
           1.0 * n.paired_streamed / NULLIF(n.paired_live, 0)      AS stream_ratio,
           1.0 * b.paired_streamed / NULLIF(b.paired_live, 0)      AS baseline_stream_ratio,
           n.live_us / 3600000000.0                                AS live_hours,
           b.live_us / 3600000000.0 / NULLIF(m.months, 0)          AS baseline_live_hours
    FROM this_month n
    JOIN before b ON b.project_id IS n.project_id AND b.region IS n.region AND b.room_id IS n.room_id
    CROSS JOIN baseline_months m
    WHERE n.jobs >= :min_jobs AND b.jobs >= :min_baseline_jobs
),
moved AS (
    SELECT c.*, 'error_rate' AS figure, 1 AS figure_order, error_rate AS value, baseline_error_rate AS baseline,
           'change' AS threshold_on, :error_rate_change AS threshold
    FROM compared c WHERE abs(error_rate - baseline_error_rate) > :error_rate_change
    UNION ALL
    SELECT c.*, 'block_rate', 2, block_rate, baseline_block_rate, 'change', :block_rate_change
    FROM compared c WHERE abs(block_rate - baseline_block_rate) > :block_rate_change
    UNION ALL
    SELECT c.*, 'stream_ratio', 3, stream_ratio, baseline_stream_ratio, 'change', :stream_ratio_change
    FROM compared c WHERE abs(stream_ratio - baseline_stream_ratio) > :stream_ratio_change
    UNION ALL
    SELECT c.*, 'live_hours', 4, live_hours, baseline_live_hours, 'relative_change', :live_hours_change
    FROM compared c WHERE abs(live_hours / NULLIF(baseline_live_hours, 0) - 1) > :live_hours_change
)
SELECT
    m.project_id                                                   AS project_id,
    m.region                                                       AS region,
    m.room_id                                                      AS room_id,
    (SELECT r.room_name FROM jobs r
     WHERE r.room_id IS m.room_id AND r.project_id IS m.project_id AND r.region IS m.region
     ORDER BY r.create_time DESC LIMIT 1)                          AS room_name,
    m.figure                                                       AS figure,
    ROUND(m.value, CASE WHEN m.figure = 'live_hours' THEN 2 ELSE 4 END)    AS value,
    ROUND(m.baseline, CASE WHEN m.figure = 'live_hours' THEN 2 ELSE 4 END) AS baseline,
    ROUND(m.value - m.baseline, CASE WHEN m.figure = 'live_hours' THEN 2 ELSE 4 END) AS change,
    ROUND(m.value / NULLIF(m.baseline, 0) - 1, 4)                  AS relative_change,
    m.threshold_on                                                 AS threshold_on,
    m.threshold                                                    AS threshold,
    m.jobs                                                         AS jobs,
    m.baseline_jobs                                                AS baseline_jobs,
    m.baseline_months                                              AS baseline_months,
    ROUND(m.ratio_live_hours, 2)                                   AS ratio_live_hours,
    m.jobs_without_stream                                          AS jobs_without_stream
FROM moved m
ORDER BY m.figure_order,
         CASE WHEN m.threshold_on = 'change' THEN abs(m.value - m.baseline) ELSE abs(m.value / m.baseline - 1) END DESC,
         m.project_id, m.region, m.room_id;
