-- title: Error codes
-- description: Error codes ranked by how many jobs carry them, with the most frequent message and the rooms they hit. Without :month, over all stored jobs.
-- param: month month optional The calendar month, YYYY-MM, in time zone :tz; all months when left out.
-- param: tz timezone default=UTC IANA time zone that decides which month a job is counted in.
-- report: 5
WITH failed AS (
    SELECT j.job_id, j.error_code, j.error_msg, j.project_id, j.region, j.room_id, j.room_name, j.create_time
    FROM jobs j
    WHERE j.error_code IS NOT NULL
      AND (:month IS NULL OR EXISTS (
            SELECT 1 FROM job_day_usage u
            WHERE u.job_id = j.job_id AND u.tz = :tz AND u.is_home = 1
              AND u.day BETWEEN :month || '-01' AND :month || '-31'))
)
SELECT
    RANK() OVER (ORDER BY COUNT(*) DESC)                           AS rank,
    f.error_code                                                   AS error_code,
    (SELECT m.error_msg FROM failed m WHERE m.error_code = f.error_code
     GROUP BY m.error_msg ORDER BY COUNT(*) DESC, m.error_msg LIMIT 1) AS error_msg,
    COUNT(*)                                                       AS jobs,
    COUNT(DISTINCT json_array(f.project_id, f.region, f.room_id)) AS rooms,
    (SELECT group_concat(name, '; ') FROM (
        SELECT DISTINCT r.room_name AS name FROM failed r
        WHERE r.error_code = f.error_code ORDER BY r.room_name))   AS room_names,
    MIN(f.create_time)                                             AS first_seen,
    MAX(f.create_time)                                             AS last_seen
FROM failed f
GROUP BY f.error_code
ORDER BY jobs DESC, error_code;
