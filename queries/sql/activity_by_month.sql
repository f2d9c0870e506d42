-- name: activity_by_month
-- params: start, end, fiscal_years, districts, fields, org_types
-- returns: raw sums per month of the filtered activity, for the page's breakdowns at once: month, breakdown (none | field | district | org_type), group_key (the code as text; NULL for none), consultations, new_cases, outreach. Unmasked: for queries.activity only.
--
-- One query for all breakdowns because queries.activity protects them together (the month totals
-- are shared by every breakdown). It reads the activity_cube mart (summed over organisations), so
-- its cost does not grow with the number of organisations; the breakdown by organisation is
-- activity_by_month_org. start/end are first days of months (inclusive, NULL = open); the lists
-- are codes, an empty list meaning no filter.
WITH filtered AS (
    SELECT *
    FROM activity_cube
    WHERE ($start IS NULL OR month >= $start)
      AND ($end IS NULL OR month <= $end)
      AND (len($fiscal_years) = 0 OR list_contains($fiscal_years, fiscal_year))
      AND (len($districts) = 0 OR list_contains($districts, district))
      AND (len($fields) = 0 OR list_contains($fields, field))
      AND (len($org_types) = 0 OR list_contains($org_types, org_type))
),

sums AS (
    SELECT
        month,
        field,
        district,
        org_type,
        GROUPING(field, district, org_type) AS grouping_id,
        CAST(sum(consultations) AS BIGINT) AS consultations,
        CAST(sum(new_cases) AS BIGINT) AS new_cases,
        CAST(sum(outreach) AS BIGINT) AS outreach
    FROM filtered
    GROUP BY GROUPING SETS ((month), (month, field), (month, district), (month, org_type))
),

named AS (
    -- GROUPING(...) sets a bit for each column left out: 7 = none kept, 3 = field kept, ...
    SELECT
        month,
        CASE grouping_id
            WHEN 7 THEN 'none'
            WHEN 3 THEN 'field'
            WHEN 5 THEN 'district'
            WHEN 6 THEN 'org_type'
        END AS breakdown,
        CASE grouping_id
            WHEN 3 THEN CAST(field AS VARCHAR)
            WHEN 5 THEN CAST(district AS VARCHAR)
            WHEN 6 THEN CAST(org_type AS VARCHAR)
        END AS group_key,
        consultations,
        new_cases,
        outreach
    FROM sums
)

SELECT *
FROM named
ORDER BY month, breakdown, group_key
