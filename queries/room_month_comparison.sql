-- title: Room comparison, month against month
-- description: The rooms named in :rooms (by room_id or exact room_name), one row each in the order named, with their figures in :month, the same figures in :against (the against_ columns; the month before :month by default) and the change from :against to :month, and the first and last job start in :month (this month less the other; rates and ratios change in fractions, 0.013 being 1.3 percentage points). The relative changes (a fraction of the :against value) are empty when the :against value is 0 or a rate has no rated jobs. A room is its project, region and room id: a name two projects share gives a row for each.
-- param: rooms list required Comma-separated room ids or exact room names.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: against month optional The month to compare :month with, YYYY-MM; the month before :month when left out.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
WITH span AS (
    SELECT COALESCE(:against, substr(date(:month || '-01', '-1 month'), 1, 7)) AS against
),
wanted AS (
    SELECT key AS position, value AS name FROM json_each(:rooms)
),
picked AS (
    SELECT r.project_id, r.region, r.room_id, MIN(w.position) AS position
    FROM usage_rollup r
    JOIN wanted w ON r.room_id = w.name OR r.room_name = w.name
    WHERE r.tz = :tz
    GROUP BY r.project_id, r.region, r.room_id
),
paired AS (
    SELECT p.position, p.project_id, p.region, p.room_id,
           COALESCE(n.jobs, 0) AS jobs, COALESCE(a.jobs, 0) AS against_jobs,
           COALESCE(n.live_hours, 0.0) AS live_hours, COALESCE(a.live_hours, 0.0) AS against_live_hours,
           COALESCE(n.streamed_hours, 0.0) AS streamed_hours, COALESCE(a.streamed_hours, 0.0) AS against_streamed_hours,
           n.stream_ratio, a.stream_ratio AS against_stream_ratio,
           COALESCE(n.ratio_live_hours, 0.0) AS ratio_live_hours, COALESCE(a.ratio_live_hours, 0.0) AS against_ratio_live_hours,
           COALESCE(n.jobs_without_stream, 0) AS jobs_without_stream, COALESCE(a.jobs_without_stream, 0) AS against_jobs_without_stream,
           n.error_rate, a.error_rate AS against_error_rate,
           n.block_rate, a.block_rate AS against_block_rate,
           COALESCE(n.failed_jobs, 0) AS failed_jobs, COALESCE(a.failed_jobs, 0) AS against_failed_jobs,
           COALESCE(n.blocked_jobs, 0) AS blocked_jobs, COALESCE(a.blocked_jobs, 0) AS against_blocked_jobs,
           n.live_hours_per_job, a.live_hours_per_job AS against_live_hours_per_job,
           n.first_start, n.last_start
    FROM picked p
    LEFT JOIN usage_figures n
           ON n.tz = :tz AND n.grain = 'month-room' AND n.month = :month
          AND n.room_id IS p.room_id AND n.project_id IS p.project_id AND n.region IS p.region
    LEFT JOIN usage_figures a
           ON a.tz = :tz AND a.grain = 'month-room' AND a.month = COALESCE(:against, substr(date(:month || '-01', '-1 month'), 1, 7))
          AND a.room_id IS p.room_id AND a.project_id IS p.project_id AND a.region IS p.region
)
SELECT
    project_id                                                     AS project_id,
    region                                                         AS region,
    room_id                                                        AS room_id,
    (SELECT r.room_name FROM jobs r
     WHERE r.room_id IS f.room_id AND r.project_id IS f.project_id AND r.region IS f.region
     ORDER BY r.create_time DESC LIMIT 1)                          AS room_name,
    :month                                                         AS month,
    (SELECT against FROM span)                                     AS against,
    jobs                                                           AS jobs,
    against_jobs                                                   AS against_jobs,
    jobs - against_jobs                                            AS jobs_change,
    ROUND(1.0 * (jobs - against_jobs) / NULLIF(against_jobs, 0), 4) AS jobs_relative_change,
    live_hours                                                     AS live_hours,
    against_live_hours                                             AS against_live_hours,
    ROUND(live_hours - against_live_hours, 2)                      AS live_hours_change,
    ROUND((live_hours - against_live_hours) / NULLIF(against_live_hours, 0), 4) AS live_hours_relative_change,
    streamed_hours                                                 AS streamed_hours,
    against_streamed_hours                                         AS against_streamed_hours,
    ROUND(streamed_hours - against_streamed_hours, 2)              AS streamed_hours_change,
    stream_ratio                                                   AS stream_ratio,
    against_stream_ratio                                           AS against_stream_ratio,
    ROUND(stream_ratio - against_stream_ratio, 4)                  AS stream_ratio_change,
    ratio_live_hours                                               AS ratio_live_hours,
    against_ratio_live_hours                                       AS against_ratio_live_hours,
    jobs_without_stream                                            AS jobs_without_stream,
    against_jobs_without_stream                                    AS against_jobs_without_stream,
    error_rate                                                     AS error_rate,
    against_error_rate                                             AS against_error_rate,
    ROUND(error_rate - against_error_rate, 4)                      AS error_rate_change,
    block_rate                                                     AS block_rate,
    against_block_rate                                             AS against_block_rate,
    ROUND(block_rate - against_block_rate, 4)                      AS block_rate_change,
    failed_jobs                                                    AS failed_jobs,
    against_failed_jobs                                            AS against_failed_jobs,
    failed_jobs - against_failed_jobs                              AS failed_jobs_change,
    blocked_jobs                                                   AS blocked_jobs,
    against_blocked_jobs                                           AS against_blocked_jobs,
    blocked_jobs - against_blocked_jobs                            AS blocked_jobs_change,
    live_hours_per_job                                             AS live_hours_per_job,
    against_live_hours_per_job                                     AS against_live_hours_per_job,
    first_start                                                    AS first_start,
    last_start                                                     AS last_start
FROM paired f
ORDER BY position, project_id, region, room_id;
