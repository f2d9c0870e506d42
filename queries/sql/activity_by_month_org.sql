-- name: activity_by_month_org
-- params: measure, start, end, fiscal_years, districts, fields, org_types
-- returns: raw sums of one measure per month and organisation of the filtered activity: month, org_id, value, key_sum (Σ record keys, for the cell key). Unmasked: for queries.activity only.
--
-- The breakdown by organisation, asked for only when a table by organisation is wanted (it is
-- protected together with activity_by_month's breakdowns). Parameters as in activity_by_month.
WITH filtered AS (
    SELECT *
    FROM activity_monthly
    WHERE in_period(month, fiscal_year, $start, $end, $fiscal_years)
      AND kept($districts, district)
      AND kept($fields, field)
      AND kept($org_types, org_type)
)

SELECT
    month,
    org_id,
    CAST(sum(CASE $measure
        WHEN 'consultations' THEN consultations
        WHEN 'new_cases' THEN new_cases
        WHEN 'outreach' THEN outreach
    END) AS BIGINT) AS value,
    CAST(sum(record_key) AS BIGINT) AS key_sum
FROM filtered
GROUP BY month, org_id
