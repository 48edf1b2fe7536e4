-- title: Error codes
-- description: Error codes ranked by how many jobs carry them, with the most frequent message and the rooms they hit. Without :month, over all stored jobs.
-- reader: The error codes of this month's failed jobs, the most frequent first, with their most frequent message, how many rooms they hit and when they were first and last seen.
-- empty: No job of this month failed with an error code.
-- param: month month optional The calendar month, YYYY-MM, in time zone :tz; all months when left out.
-- param: tz timezone default=UTC IANA time zone that decides which month a job is counted in.
-- report: 5
WITH failed AS (
    SELECT r.error_code, r.error_msg, r.project_id, r.region, r.room_id, r.room_name, r.jobs, r.first_create, r.last_create
    FROM usage_rollup r
    WHERE r.tz = :tz AND r.error_code IS NOT NULL AND r.jobs > 0
      AND (:month IS NULL OR r.month = :month)
)
SELECT
    RANK() OVER (ORDER BY SUM(f.jobs) DESC)                        AS rank,
    f.error_code                                                   AS error_code,
    (SELECT m.error_msg FROM failed m WHERE m.error_code = f.error_code
     GROUP BY m.error_msg ORDER BY SUM(m.jobs) DESC, m.error_msg LIMIT 1) AS error_msg,
    SUM(f.jobs)                                                    AS jobs,
    COUNT(DISTINCT json_array(f.project_id, f.region, f.room_id)) AS rooms,
    (SELECT group_concat(name, '; ') FROM (
        SELECT DISTINCT r.room_name AS name FROM failed r
        WHERE r.error_code = f.error_code ORDER BY r.room_name))   AS room_names,
    MIN(f.first_create)                                            AS first_seen,
    MAX(f.last_create)                                             AS last_seen
FROM failed f
GROUP BY f.error_code
ORDER BY jobs DESC, error_code;
