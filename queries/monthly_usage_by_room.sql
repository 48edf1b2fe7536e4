-- title: Monthly usage by room
-- description: Per room, the jobs counted in the month (by start, else creation) and the hours live and streamed in it; a job that crosses a month end gives each month its share. Rates count SUCCEED, FAILED and BLOCKED jobs only.
-- reader: Each room's jobs and hours this month, the room with the most hours live first. A livestream that runs into the next month gives each month its share of hours; error and block rates count only the jobs that finished.
-- empty: No room had a job counted in this month.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
-- report: 3
-- chart: bar room_name live_hours
SELECT
    f.project_id                                                   AS project_id,
    f.region                                                       AS region,
    f.room_id                                                      AS room_id,
    (SELECT r.room_name FROM jobs r
     WHERE r.room_id IS f.room_id AND r.project_id IS f.project_id AND r.region IS f.region
     ORDER BY r.create_time DESC LIMIT 1)                          AS room_name,
    f.jobs                                                         AS jobs,
    f.live_hours                                                   AS live_hours,
    f.streamed_hours                                               AS streamed_hours,
    f.stream_ratio                                                 AS stream_ratio,
    f.error_rate                                                   AS error_rate,
    f.block_rate                                                   AS block_rate,
    f.failed_jobs                                                  AS failed_jobs,
    f.blocked_jobs                                                 AS blocked_jobs,
    f.jobs_without_duration                                        AS jobs_without_duration
FROM usage_figures f
WHERE f.tz = :tz AND f.grain = 'month-room' AND f.month = :month
ORDER BY live_hours DESC, project_id, region, room_id;
