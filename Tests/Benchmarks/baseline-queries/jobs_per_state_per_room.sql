-- title: Jobs per state per room
-- description: For each room, how many jobs are in each state (one row per room and state, so new states appear on their own). Without :month, over all stored jobs.
-- param: month month optional The calendar month, YYYY-MM, in time zone :tz; all months when left out.
-- param: tz timezone default=UTC IANA time zone that decides which month a job is counted in.
-- report: 6
SELECT
    j.project_id                                                   AS project_id,
    j.region                                                       AS region,
    j.room_id                                                      AS room_id,
    (SELECT r.room_name FROM jobs r
     WHERE r.room_id IS j.room_id AND r.project_id IS j.project_id AND r.region IS j.region
     ORDER BY r.create_time DESC LIMIT 1)                          AS room_name,
    COALESCE(j.state, '(none)')                                    AS state,
    COUNT(*)                                                       AS jobs
FROM jobs j
WHERE :month IS NULL OR EXISTS (
    SELECT 1 FROM job_day_usage u
    WHERE u.job_id = j.job_id AND u.tz = :tz AND u.is_home = 1
      AND u.day BETWEEN :month || '-01' AND :month || '-31')
GROUP BY j.project_id, j.region, j.room_id, j.state
ORDER BY room_name, project_id, region, room_id, jobs DESC, state;
