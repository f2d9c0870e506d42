-- name: activity_months
-- params:
-- returns: every month present in the activity extract (first day), with its fiscal year.
SELECT DISTINCT month, fiscal_year
FROM activity_monthly
ORDER BY month
