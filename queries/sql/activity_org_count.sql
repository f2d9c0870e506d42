-- name: activity_org_count
-- params: start, end, fiscal_years, districts, fields, org_types
-- returns: the number of organisations with activity under the filters (the columns of a table by organisation): n. For the limit of queries.activity (max_org_groups), asked before any table by organisation is built.
SELECT count(DISTINCT org_id) AS n
FROM activity_monthly
WHERE in_period(month, fiscal_year, $start, $end, $fiscal_years)
  AND kept($districts, district)
  AND kept($fields, field)
  AND kept($org_types, org_type)
