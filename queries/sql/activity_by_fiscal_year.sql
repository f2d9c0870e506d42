-- name: activity_by_fiscal_year
-- params: by, start, end, fiscal_years, districts, fields, org_types
-- returns: raw sums per fiscal_year and group (group_key: the code as text, or org_id) of the filtered activity: fiscal_year, group_key, consultations, new_cases, outreach. Unmasked: for queries.activity only.
--
-- by is field | district | org_type | org | none (group_key NULL); start/end are first days of
-- months (inclusive, NULL = open); the lists are codes, an empty list meaning no filter.
WITH filtered AS (
    SELECT *
    FROM activity_monthly
    WHERE ($start IS NULL OR month >= $start)
      AND ($end IS NULL OR month <= $end)
      AND (len($fiscal_years) = 0 OR list_contains($fiscal_years, fiscal_year))
      AND (len($districts) = 0 OR list_contains($districts, district))
      AND (len($fields) = 0 OR list_contains($fields, field))
      AND (len($org_types) = 0 OR list_contains($org_types, org_type))
),

keyed AS (
    SELECT
        fiscal_year,
        CASE $by
            WHEN 'field' THEN CAST(field AS VARCHAR)
            WHEN 'district' THEN CAST(district AS VARCHAR)
            WHEN 'org_type' THEN CAST(org_type AS VARCHAR)
            WHEN 'org' THEN org_id
        END AS group_key,
        consultations,
        new_cases,
        outreach
    FROM filtered
)

SELECT
    fiscal_year,
    group_key,
    CAST(sum(consultations) AS BIGINT) AS consultations,
    CAST(sum(new_cases) AS BIGINT) AS new_cases,
    CAST(sum(outreach) AS BIGINT) AS outreach
FROM keyed
GROUP BY fiscal_year, group_key
ORDER BY fiscal_year, group_key
