-- title: Data quality
-- description: Jobs of the month (and jobs with no usable date at all) that carry a value livejobs could not use, by field, rule and room, with the figures those values leave the jobs out of (docs/METRICS.md, "Flagged jobs"). Every such job is stored whole; only the figures named here go without it. `livejobs query flagged_jobs --param month=...` lists the jobs one by one.
-- reader: Jobs of this month (and jobs with no usable date at all) with a value livejobs could not use, grouped by field, rule and room. Each such job is kept and counted as a job, and left out only of the figures named in the left out of column.
-- empty: Every job of this month had usable values: none was flagged.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides which month a job is counted in.
-- codes: reason left_out_of
-- zoned-text: example_detail
-- report: 8
WITH flagged AS (
    SELECT f.job_id, f.field, f.reason, f.detail, f.excluded,
           CASE WHEN EXISTS (SELECT 1 FROM job_day_usage u WHERE u.job_id = f.job_id AND u.tz = :tz AND u.is_home = 1)
                THEN :month ELSE 'no date' END                    AS counted_in
    FROM job_flags f
    WHERE EXISTS (SELECT 1 FROM job_day_usage u
                  WHERE u.job_id = f.job_id AND u.tz = :tz AND u.is_home = 1
                    AND u.day BETWEEN :month || '-01' AND :month || '-31')
       OR NOT EXISTS (SELECT 1 FROM job_day_usage u WHERE u.job_id = f.job_id AND u.tz = :tz AND u.is_home = 1)
),
groups AS (
    SELECT g.field, g.reason, j.project_id, j.region, j.room_id, g.excluded, g.counted_in, COUNT(*) AS jobs,
           MIN(g.job_id) AS example_job_id
    FROM flagged g
    JOIN jobs j ON j.job_id = g.job_id
    GROUP BY g.field, g.reason, j.project_id, j.region, j.room_id, g.excluded, g.counted_in
)
SELECT
    s.field                                                        AS field,
    s.reason                                                       AS reason,
    s.project_id                                                   AS project_id,
    s.region                                                       AS region,
    s.room_id                                                      AS room_id,
    (SELECT r.room_name FROM jobs r
     WHERE r.room_id IS s.room_id AND r.project_id IS s.project_id AND r.region IS s.region
     ORDER BY r.create_time DESC LIMIT 1)                          AS room_name,
    s.jobs                                                         AS jobs,
    CASE WHEN s.excluded = '' THEN 'nothing' ELSE replace(s.excluded, ',', ', ') END
                                                                   AS left_out_of,
    s.counted_in                                                   AS counted_in,
    s.example_job_id                                               AS example_job_id,
    (SELECT f.detail FROM job_flags f WHERE f.job_id = s.example_job_id AND f.field = s.field AND f.reason = s.reason)
                                                                   AS example_detail
FROM groups s
ORDER BY jobs DESC, field, reason, project_id, region, room_id;
