-- name: organisations_members
-- params:
-- returns: platform members counted by type and field: org_type, field, members, where an organisation counts once in each of its fields; rows with org_type NULL and/or field NULL are totals counting each organisation once (so they are not sums of the cells).
WITH members AS (
    SELECT org_id, org_type, fields
    FROM organisations
    WHERE member
),

by_field AS (
    SELECT org_id, org_type, CAST(unnest(fields) AS TINYINT) AS field
    FROM members
)

SELECT
    org_type,
    field,
    CAST(count(DISTINCT org_id) AS BIGINT) AS members
FROM by_field
GROUP BY GROUPING SETS ((org_type, field), (org_type), (field), ())
ORDER BY org_type NULLS LAST, field NULLS LAST
