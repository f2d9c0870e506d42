-- name: activity_months
-- params:
-- returns: every month present in the activity extract (first day), with its fiscal year (from the activity_cube mart, a few thousand rows).
SELECT DISTINCT month, fiscal_year
FROM activity_cube
ORDER BY month
