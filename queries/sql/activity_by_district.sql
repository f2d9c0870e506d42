-- name: activity_by_district
-- params: start, end, fiscal_years, districts, fields, org_types
-- returns: raw sums per district (where people live) over the filtered period: district, consultations, new_cases, outreach. Unmasked: for queries.activity only.
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
    district,
    CAST(sum(consultations) AS BIGINT) AS consultations,
    CAST(sum(new_cases) AS BIGINT) AS new_cases,
    CAST(sum(outreach) AS BIGINT) AS outreach
FROM filtered
GROUP BY district
ORDER BY district
