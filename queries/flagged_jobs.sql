-- title: Flagged jobs
-- description: Every stored job with a value livejobs could not use, one row per flagged value: the job, its room, the field, the rule it breaks, what was wrong and the figures it is left out of (docs/METRICS.md, "Flagged jobs"). With :month, only the jobs counted in that month and the jobs with no usable date.
-- param: month month optional The calendar month, YYYY-MM, in time zone :tz; every flagged job when left out.
-- param: tz timezone default=UTC IANA time zone that decides which month a job is counted in.
-- zoned-text: detail
SELECT
    f.job_id                                                       AS job_id,
    j.project_id                                                   AS project_id,
    j.region                                                       AS region,
    j.room_id                                                      AS room_id,
    j.room_name                                                    AS room_name,
    j.state                                                        AS state,
    j.create_time                                                  AS create_time,
    f.field                                                        AS field,
    f.reason                                                       AS reason,
    f.detail                                                       AS detail,
    CASE WHEN f.excluded = '' THEN 'nothing' ELSE replace(f.excluded, ',', ', ') END
                                                                   AS left_out_of,
    j.source                                                       AS source
FROM job_flags f
JOIN jobs j ON j.job_id = f.job_id
WHERE :month IS NULL
   OR EXISTS (SELECT 1 FROM job_day_usage u
              WHERE u.job_id = f.job_id AND u.tz = :tz AND u.is_home = 1
                AND u.day BETWEEN :month || '-01' AND :month || '-31')
   OR NOT EXISTS (SELECT 1 FROM job_day_usage u WHERE u.job_id = f.job_id AND u.tz = :tz AND u.is_home = 1)
ORDER BY j.create_time, f.job_id, f.field, f.reason;
