-- title: Jobs per state per room
-- description: For each room, how many jobs are in each state (one row per room and state, so new states appear on their own). Without :month, over all stored jobs.
-- reader: For each room, how many of this month's jobs are in each state.
-- empty: No job was counted in this month.
-- param: month month optional The calendar month, YYYY-MM, in time zone :tz; all months when left out.
-- param: tz timezone default=UTC IANA time zone that decides which month a job is counted in.
-- report: 6
SELECT
    r.project_id                                                   AS project_id,
    r.region                                                       AS region,
    r.room_id                                                      AS room_id,
    (SELECT j.room_name FROM jobs j
     WHERE j.room_id IS r.room_id AND j.project_id IS r.project_id AND j.region IS r.region
     ORDER BY j.create_time DESC LIMIT 1)                          AS room_name,
    COALESCE(r.state, '(none)')                                    AS state,
    SUM(r.jobs)                                                    AS jobs
FROM usage_rollup r
WHERE r.tz = :tz AND (:month IS NULL OR r.month = :month)
GROUP BY r.project_id, r.region, r.room_id, r.state
HAVING SUM(r.jobs) > 0
ORDER BY room_name, project_id, region, room_id, jobs DESC, state;
