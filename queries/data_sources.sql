-- title: Where the figures come from
-- description: Per project and region, what the stored jobs were brought in by: the last fetch from the API (when it ended, its outcome, the jobs it stored, its message when it did not succeed) and the end of the last complete fetch (one that succeeded asking for every job, no --state or --room-name filter: docs/METRICS.md, "Complete data"), and the files imported (their stored names without folders, the last one's time and jobs). The same whatever the month; times in :tz.
-- reader: For each project and region: the last download from MetaStudio (when it ended, whether it worked, how many jobs it brought) and when the last complete one ended, or the files that were loaded instead. The figures above hold only the jobs these brought in.
-- empty: No fetch or import is recorded for these jobs.
-- param: tz timezone default=UTC IANA time zone the times are shown in.
-- zoned-text: detail
-- report: 90
WITH
fetch_places AS (
    SELECT project_id, region, COUNT(*) AS runs, MAX(id) AS last_id,
           MAX(CASE WHEN outcome = 'succeeded' AND query = 'all jobs' THEN id END) AS complete_id
    FROM sync_runs
    GROUP BY project_id, region
),
import_places AS (
    SELECT project_id, region, COUNT(*) AS runs, MAX(id) AS last_id, SUM(jobs_read) AS jobs_read
    FROM import_runs
    GROUP BY project_id, region
),
-- Each file once, by its stored name without the folders it was named with.
import_files AS (
    SELECT project_id, region, name, MAX(id) AS last_id
    FROM (SELECT project_id, region, id, substr(file, length(rtrim(file, replace(file, '/', ''))) + 1) AS name
          FROM import_runs)
    GROUP BY project_id, region, name
),
sources AS (
    SELECT f.project_id, f.region, 'fetch' AS source, f.runs,
           COALESCE(NULLIF(l.finished_at, ''), l.started_at) AS last_at,
           l.outcome AS last_outcome,
           l.jobs AS last_jobs,
           c.finished_at AS last_complete_fetch_at,
           CASE
               WHEN l.outcome <> 'succeeded' AND l.message IS NOT NULL AND l.message <> ''
                   THEN CASE WHEN length(l.message) > 200 THEN substr(l.message, 1, 200) || '…' ELSE l.message END
               WHEN l.outcome = 'running' THEN 'started ' || l.started_at || ': still running, or killed and not yet noticed'
               WHEN l.query <> 'all jobs' THEN 'only ' || l.query
               ELSE ''
           END AS detail
    FROM fetch_places f
    JOIN sync_runs l ON l.id = f.last_id
    LEFT JOIN sync_runs c ON c.id = f.complete_id
    UNION ALL
    SELECT i.project_id, i.region, 'import', i.runs,
           l.started_at,
           'imported',
           l.jobs_read,
           NULL,
           (SELECT COUNT(*) FROM import_files n WHERE n.project_id IS i.project_id AND n.region IS i.region)
               || CASE WHEN (SELECT COUNT(*) FROM import_files n WHERE n.project_id IS i.project_id AND n.region IS i.region) = 1
                       THEN ' file, ' ELSE ' files, ' END
               || i.jobs_read || ' jobs read: '
               || (SELECT group_concat(name, ', ') FROM (
                       SELECT n.name FROM import_files n WHERE n.project_id IS i.project_id AND n.region IS i.region
                       ORDER BY n.last_id DESC LIMIT 5))
               || CASE WHEN (SELECT COUNT(*) FROM import_files n WHERE n.project_id IS i.project_id AND n.region IS i.region) > 5
                       THEN ' and ' || ((SELECT COUNT(*) FROM import_files n WHERE n.project_id IS i.project_id AND n.region IS i.region) - 5)
                            || ' more' ELSE '' END
    FROM import_places i
    JOIN import_runs l ON l.id = i.last_id
)
SELECT project_id, region, source, runs, last_at, last_outcome, last_jobs, last_complete_fetch_at, detail
FROM sources
ORDER BY project_id IS NULL, project_id, region IS NULL, region, source;
