-- name: activity_monthly (and activity_cube below)
-- returns: table activity_monthly: the activity extract at its own grain (org × month × district × field) with the organisation's type and the fiscal year (年度, April–March) of the month.
-- grain: org_id, month, district, field
--
-- The organisations' type is copied in so the member-facing queries need no join, and the fiscal
-- year (the macro fiscal_year of data/macros.sql) is computed once.
CREATE OR REPLACE TABLE activity_monthly AS
WITH activity_rows AS (
    SELECT org_id, month, district, field, consultations, new_cases, outreach, record_key
    FROM activity
),

with_org AS (
    SELECT
        a.org_id,
        o.org_type,
        a.month,
        fiscal_year(a.month) AS fiscal_year,
        a.district,
        a.field,
        a.consultations,
        a.new_cases,
        a.outreach,
        a.record_key
    FROM activity_rows AS a
    INNER JOIN organisations AS o USING (org_id)
)

SELECT * FROM with_org
ORDER BY month, org_id, district, field;

-- name: activity_cube
-- returns: table activity_cube: activity_monthly summed over organisations, per month × district ×
--   field × organisation type (with the fiscal year): every table of the 支援団体の活動 page and
--   every filter of ActivityFilters can be answered from it, in a few thousand rows where
--   activity_monthly has one per organisation. Tables by organisation read activity_monthly.
--   key_sum: Σ record keys of the rows summed (the cell-key method: a cell's key adds up like its
--   counts).
-- grain: month, district, field, org_type
CREATE OR REPLACE TABLE activity_cube AS
SELECT
    month,
    fiscal_year,
    district,
    field,
    org_type,
    CAST(sum(consultations) AS BIGINT) AS consultations,
    CAST(sum(new_cases) AS BIGINT) AS new_cases,
    CAST(sum(outreach) AS BIGINT) AS outreach,
    CAST(sum(record_key) AS BIGINT) AS key_sum
FROM activity_monthly
GROUP BY month, fiscal_year, district, field, org_type
ORDER BY month, district, field, org_type;
