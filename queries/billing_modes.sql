-- title: Billing modes
-- description: The month's jobs and live hours split by the jobs' `used_resource_type` (PERIOD, ONDEMAND, ONE_TIME, the API's own spelling UNKNOW; any other value as sent; `(none)` when the job has none): first for all rooms together (`room_id` empty, `room_name` `(all rooms)`), then per room. `share_of_live_hours` is the mode's part of those rooms' live hours in the month.
-- reader: How this month's livestreams were paid for: jobs and live hours per billing mode, for all rooms together and then room by room. UNKNOW is how the platform itself names an unknown mode; (none) means the job did not say.
-- empty: No job and no live hour this month.
-- param: month month required The calendar month, YYYY-MM, in time zone :tz.
-- param: tz timezone default=UTC IANA time zone that decides the day and month an hour belongs to.
-- report: 11
WITH modes AS (
    SELECT r.project_id, r.region, r.room_id, COALESCE(r.used_resource_type, '(none)') AS used_resource_type,
           SUM(r.jobs) AS jobs, COALESCE(SUM(r.live_us), 0) AS live_us
    FROM usage_rollup r
    WHERE r.tz = :tz AND r.month = :month
    GROUP BY r.project_id, r.region, r.room_id, COALESCE(r.used_resource_type, '(none)')
    HAVING SUM(r.jobs) > 0 OR COALESCE(SUM(r.live_us), 0) > 0
),
split_rows AS (
    SELECT 0 AS level, NULL AS project_id, NULL AS region, NULL AS room_id, used_resource_type,
           SUM(jobs) AS jobs, SUM(live_us) AS live_us,
           SUM(SUM(live_us)) OVER () AS group_live_us, SUM(SUM(live_us)) OVER () AS order_live_us
    FROM modes
    GROUP BY used_resource_type
    UNION ALL
    SELECT 1, project_id, region, room_id, used_resource_type, jobs, live_us,
           SUM(live_us) OVER (PARTITION BY project_id, region, room_id),
           SUM(live_us) OVER (PARTITION BY project_id, region, room_id)
    FROM modes
)
SELECT
    s.project_id                                                   AS project_id,
    s.region                                                       AS region,
    s.room_id                                                      AS room_id,
    CASE WHEN s.level = 0 THEN '(all rooms)' ELSE
    (SELECT r.room_name FROM jobs r
     WHERE r.room_id IS s.room_id AND r.project_id IS s.project_id AND r.region IS s.region
     ORDER BY r.create_time DESC LIMIT 1) END                      AS room_name,
    s.used_resource_type                                           AS used_resource_type,
    s.jobs                                                         AS jobs,
    ROUND(s.live_us / 3600000000.0, 2)                             AS live_hours,
    ROUND(1.0 * s.live_us / NULLIF(s.group_live_us, 0), 4)         AS share_of_live_hours
FROM split_rows s
ORDER BY s.level, s.order_live_us DESC, s.project_id, s.region, s.room_id, s.live_us DESC, s.used_resource_type;
