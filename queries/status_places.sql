-- title: Jobs per project and region
-- description: For `livejobs status`: per project and region the jobs are stored under (NULL: imported without --project-id or --region), the jobs (dated or not), rooms, first and last month with a job counted in it (UTC) and flagged jobs. Read from the UTC rollup.
SELECT
    r.project_id                                                                    AS project_id,
    r.region                                                                        AS region,
    SUM(r.jobs)                                                                     AS jobs,
    COUNT(DISTINCT r.room_id)                                                       AS rooms,
    MIN(CASE WHEN r.jobs > 0 THEN r.month END)                                      AS first_month,
    MAX(CASE WHEN r.jobs > 0 THEN r.month END)                                      AS last_month,
    SUM(r.flagged_jobs)                                                             AS flagged_jobs
FROM usage_rollup r
WHERE r.tz = 'UTC'
GROUP BY r.project_id, r.region
ORDER BY r.project_id IS NULL, r.project_id, r.region IS NULL, r.region;
