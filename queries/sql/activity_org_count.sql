-- name: activity_org_count
-- params: start, end, fiscal_years, districts, fields, org_types
-- returns: the number of organisations with activity under the filters (the columns of a table by organisation): n. For the limit of queries.activity (max_org_groups), asked before any table by organisation is built.
SELECT count(DISTINCT org_id) AS n
FROM activity_monthly
WHERE ($start IS NULL OR month >= $start)
  AND ($end IS NULL OR month <= $end)
  AND (len($fiscal_years) = 0 OR list_contains($fiscal_years, fiscal_year))
  AND (len($districts) = 0 OR list_contains($districts, district))
  AND (len($fields) = 0 OR list_contains($fields, field))
  AND (len($org_types) = 0 OR list_contains($org_types, org_type))
