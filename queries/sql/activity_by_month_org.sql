-- name: activity_by_month_org
-- params: start, end, fiscal_years, districts, fields, org_types
-- returns: raw sums per month and organisation of the filtered activity: month, group_key (org_id), consultations, new_cases, outreach. Unmasked: for queries.activity only.
--
-- The breakdown by organisation, asked for only when a table by organisation is wanted (it is
-- protected together with activity_by_month's breakdowns). Filters as in activity_by_month.
WITH filtered AS (
    SELECT *
    FROM activity_monthly
    WHERE ($start IS NULL OR month >= $start)
      AND ($end IS NULL OR month <= $end)
      AND (len($fiscal_years) = 0 OR list_contains($fiscal_years, fiscal_year))
      AND (len($districts) = 0 OR list_contains($districts, district))
      AND (len($fields) = 0 OR list_contains($fields, field))
      AND (len($org_types) = 0 OR list_contains($org_types, org_type))
)

SELECT
    month,
    org_id AS group_key,
    CAST(sum(consultations) AS BIGINT) AS consultations,
    CAST(sum(new_cases) AS BIGINT) AS new_cases,
    CAST(sum(outreach) AS BIGINT) AS outreach
FROM filtered
GROUP BY month, org_id
ORDER BY month, group_key
