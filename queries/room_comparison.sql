-- title: Room comparison
-- description: The rooms named in :rooms (by room_id or exact room_name), one row each in the order named, with the same figures as the monthly usage; over all stored jobs without :month.
-- param: rooms list required Comma-separated room ids or exact room names.
-- param: month month optional The calendar month, YYYY-MM, in time zone :tz; all months when left out.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
WITH wanted AS (
    SELECT key AS position, value AS name FROM json_each(:rooms)
),
picked AS (
    SELECT r.project_id, r.region, r.room_id, MIN(w.position) AS position
    FROM usage_rollup r
    JOIN wanted w ON r.room_id = w.name OR r.room_name = w.name
    WHERE r.tz = :tz
    GROUP BY r.project_id, r.region, r.room_id
)
SELECT
    p.project_id                                                   AS project_id,
    p.region                                                       AS region,
    p.room_id                                                      AS room_id,
    (SELECT r.room_name FROM jobs r
     WHERE r.room_id IS p.room_id AND r.project_id IS p.project_id AND r.region IS p.region
     ORDER BY r.create_time DESC LIMIT 1)                          AS room_name,
    COALESCE(f.jobs, 0)                                            AS jobs,
    COALESCE(f.live_hours, 0.0)                                    AS live_hours,
    COALESCE(f.streamed_hours, 0.0)                                AS streamed_hours,
    f.stream_ratio                                                 AS stream_ratio,
    COALESCE(f.ratio_live_hours, 0.0)                              AS ratio_live_hours,
    COALESCE(f.jobs_without_stream, 0)                             AS jobs_without_stream,
    f.error_rate                                                   AS error_rate,
    f.block_rate                                                   AS block_rate,
    COALESCE(f.failed_jobs, 0)                                     AS failed_jobs,
    COALESCE(f.blocked_jobs, 0)                                    AS blocked_jobs,
    f.live_hours_per_job                                           AS live_hours_per_job,
    f.first_start                                                  AS first_start,
    f.last_start                                                   AS last_start
FROM picked p
LEFT JOIN usage_figures f
       ON f.tz = :tz AND f.room_id IS p.room_id AND f.project_id IS p.project_id AND f.region IS p.region
      AND ((:month IS NULL AND f.grain = 'room') OR (f.grain = 'month-room' AND f.month = :month))
ORDER BY p.position, p.project_id, p.region, p.room_id;
