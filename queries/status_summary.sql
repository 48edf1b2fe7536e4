-- title: Database at a glance
-- description: The whole database in one row, for `livejobs status`: jobs stored (dated or not), the projects, regions and rooms they belong to (a room is a project, region and room_id), the first and last month with a job counted in it and how many months have one (UTC), jobs with no date and with no project (imported without --project-id), flagged jobs (stored with a value livejobs could not use), and how many fetches and file imports are recorded. Read from the UTC rollup, so a few thousand rows, not the jobs.
SELECT
    COALESCE(SUM(r.jobs), 0)                                                        AS jobs,
    COUNT(DISTINCT r.project_id)                                                    AS projects,
    COUNT(DISTINCT r.region)                                                        AS regions,
    COUNT(DISTINCT CASE WHEN r.room_id IS NOT NULL THEN json_array(r.project_id, r.region, r.room_id) END)
                                                                                    AS rooms,
    MIN(CASE WHEN r.jobs > 0 THEN r.month END)                                      AS first_month,
    MAX(CASE WHEN r.jobs > 0 THEN r.month END)                                      AS last_month,
    COUNT(DISTINCT CASE WHEN r.jobs > 0 THEN r.month END)                           AS months_with_jobs,
    COALESCE(SUM(CASE WHEN r.month IS NULL THEN r.jobs END), 0)                     AS jobs_without_date,
    COALESCE(SUM(CASE WHEN r.project_id IS NULL THEN r.jobs END), 0)                AS jobs_without_project,
    COALESCE(SUM(r.flagged_jobs), 0)                                                AS flagged_jobs,
    (SELECT COUNT(*) FROM sync_runs)                                                AS fetches,
    (SELECT COUNT(*) FROM import_runs)                                              AS imports
FROM usage_rollup r
WHERE r.tz = 'UTC';
