-- title: Before you read
-- description: What a reader must know before the month's figures, one row per warning: the month is not over yet (its end in :tz is after :now); no jobs are counted in it at all; a project's last fetch failed, was interrupted, was incomplete or is still running; a project's last complete fetch (succeeded, asking for every job: docs/METRICS.md, "Complete data") ended before the month did, or none ever did; a project known only from imported files was last imported before the month ended. `livejobs report` prints these rows at the top of report.md. Instants are RFC 3339 in :tz, with their offset.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone whose calendar says when the month begins and ends.
-- param: now instant optional The present, an RFC 3339 date-time (2026-12-08T00:15:00Z); default: the clock.
-- zoned-text: warning
WITH
bounds AS (
    SELECT zone_instant(:month || '-01', :tz)                              AS month_start,
           zone_instant(date(:month || '-01', '+1 month'), :tz)            AS month_end,
           COALESCE(:now, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))          AS now,
           :month || ' (' || :tz || ')'                                    AS label
),
month_rows AS (
    SELECT COUNT(*) AS n FROM usage_rollup WHERE tz = :tz AND month = :month
),
stored AS (
    SELECT MIN(month) AS first_month, MAX(month) AS last_month
    FROM usage_rollup WHERE tz = :tz AND month IS NOT NULL
),
last_fetch AS (
    SELECT s.*
    FROM sync_runs s
    WHERE s.id = (SELECT MAX(t.id) FROM sync_runs t WHERE t.project_id = s.project_id AND t.region IS s.region)
),
last_complete AS (
    SELECT p.project_id, p.region,
           (SELECT c.finished_at FROM sync_runs c
            WHERE c.project_id = p.project_id AND c.region IS p.region AND c.outcome = 'succeeded' AND c.query = 'all jobs'
            ORDER BY c.id DESC LIMIT 1)                                    AS finished_at
    FROM (SELECT DISTINCT project_id, region FROM sync_runs) p
),
import_only AS (
    SELECT i.project_id, i.region, MAX(i.started_at) AS last_import
    FROM import_runs i
    WHERE NOT EXISTS (SELECT 1 FROM sync_runs s WHERE s.project_id IS i.project_id AND s.region IS i.region)
    GROUP BY i.project_id, i.region
),
warnings AS (
    SELECT 1 AS rank, 'month_not_over' AS kind, NULL AS project_id, NULL AS region,
           CASE WHEN julianday(b.now) < julianday(b.month_start)
                THEN b.label || ' has not begun yet: it begins ' || local_instant(b.month_start, :tz) || ' and it is now ' || local_instant(b.now, :tz)
                     || ', so no figure below can be final.'
                ELSE b.label || ' is not over yet: it ends ' || local_instant(b.month_end, :tz) || ' and it is now ' || local_instant(b.now, :tz)
                     || ', so every figure below will still change.'
           END AS warning
    FROM bounds b
    WHERE julianday(b.now) < julianday(b.month_end)
    UNION ALL
    SELECT 2, 'no_jobs', NULL, NULL,
           'No jobs counted in ' || b.label || ': the figures below are zeros because '
           || CASE
                  WHEN s.last_month IS NULL THEN 'no stored job of the projects and regions this report covers has a date '
                      || '(import or fetch them, or check --project and --region), not because nothing happened.'
                  WHEN :month > s.last_month THEN 'no stored job started after ' || s.last_month
                      || ' (the last month with jobs): either none started since, or they have not been fetched or imported yet'
                      || ' (when the last fetch ended is said below, and under "Where the figures come from").'
                  WHEN :month < s.first_month THEN 'the stored jobs begin in ' || s.first_month
                      || ': no job of this month was fetched or imported, not because nothing happened.'
                  ELSE 'no stored job started in it, though jobs are stored from ' || s.first_month || ' to ' || s.last_month
                      || ': check the fetches and imports below for a gap.'
              END
    FROM bounds b, stored s, month_rows m
    WHERE m.n = 0
    UNION ALL
    SELECT 3, 'last_fetch_' || l.outcome, l.project_id, l.region,
           'The last fetch of project ' || l.project_id || ', region ' || COALESCE(l.region, '(none)')
           || CASE l.outcome
                  WHEN 'failed' THEN ' failed (started ' || local_instant(l.started_at, :tz) || COALESCE(', ended ' || local_instant(NULLIF(l.finished_at, ''), :tz), '') || ')'
                  WHEN 'interrupted' THEN ' was interrupted (started ' || local_instant(l.started_at, :tz) || COALESCE(', ended ' || local_instant(NULLIF(l.finished_at, ''), :tz), '') || ')'
                  WHEN 'incomplete' THEN ' was incomplete (ended ' || COALESCE(local_instant(NULLIF(l.finished_at, ''), :tz), '?') || ', '
                      || l.jobs || ' jobs stored' || COALESCE(', the API counted ' || l.expected_count, '') || ')'
                  ELSE ' is still running, or was killed and not yet noticed (started ' || local_instant(l.started_at, :tz) || ')'
              END
           || COALESCE(': ' || CASE WHEN length(l.message) > 200 THEN substr(l.message, 1, 200) || '…' ELSE NULLIF(l.message, '') END, '')
           || '. Its figures may lack jobs created or changed since the last complete fetch'
           || COALESCE(' (ended ' || local_instant(c.finished_at, :tz) || ').', ' (there has been none).')
    FROM last_fetch l
    JOIN last_complete c ON c.project_id = l.project_id AND c.region IS l.region
    WHERE l.outcome IN ('failed', 'interrupted', 'incomplete', 'running')
    UNION ALL
    SELECT 4, 'fetched_before_month_end', c.project_id, c.region,
           CASE WHEN c.finished_at IS NULL
                THEN 'No fetch of project ' || c.project_id || ', region ' || COALESCE(c.region, '(none)')
                     || ' has been complete (succeeded, asking for every job): its figures may lack jobs of ' || b.label || '.'
                ELSE 'Project ' || c.project_id || ', region ' || COALESCE(c.region, '(none)')
                     || ' was last fetched completely at ' || local_instant(c.finished_at, :tz) || ', before ' || b.label
                     || CASE WHEN julianday(b.now) < julianday(b.month_end) THEN ' ends (' ELSE ' ended (' END
                     || local_instant(b.month_end, :tz) || '): its jobs created since are not in the figures below.'
           END
    FROM last_complete c, bounds b
    WHERE c.finished_at IS NULL OR julianday(c.finished_at) < julianday(b.month_end)
    UNION ALL
    SELECT 5, 'imported_before_month_end', i.project_id, i.region,
           CASE WHEN i.project_id IS NULL AND i.region IS NULL THEN 'The jobs imported with no project or region given'
                ELSE 'The jobs of project ' || COALESCE(i.project_id, '(none)') || ', region ' || COALESCE(i.region, '(none)')
           END
           || ' come from files only, the last imported at ' || local_instant(i.last_import, :tz) || ', before ' || b.label
           || CASE WHEN julianday(b.now) < julianday(b.month_end) THEN ' ends (' ELSE ' ended (' END
           || local_instant(b.month_end, :tz) || '): jobs created after the files were saved are not in the figures below.'
    FROM import_only i, bounds b
    WHERE julianday(i.last_import) < julianday(b.month_end)
)
SELECT kind, project_id, region, warning
FROM warnings
ORDER BY rank, project_id, region;
