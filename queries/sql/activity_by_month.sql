-- name: activity_by_month
-- params: measure, start, end, fiscal_years, districts, fields, org_types
-- returns: the filtered rows of the activity_cube mart (month × district × field × organisation type) with one measure: month, district, field, org_type, value, key_sum (Σ record keys, for the cell key); and on every row first_month / last_month, the first and last month of all the activity data (the period the months are counted over). Unmasked: for queries.activity only.
--
-- queries.activity sums these few thousand rows per month and per month × group of each breakdown
-- (field, district, org_type) with numpy and protects them together (the month totals are shared
-- by every breakdown); one small fetch is cheaper than grouping sets in SQL. The cube is summed
-- over organisations, so the cost does not grow with their number; the breakdown by organisation
-- is activity_by_month_org. measure: consultations | new_cases | outreach. start/end are first
-- days of months (inclusive, NULL = open); the lists are codes, an empty list meaning no filter.
SELECT
    month,
    district,
    field,
    org_type,
    CASE $measure
        WHEN 'consultations' THEN consultations
        WHEN 'new_cases' THEN new_cases
        WHEN 'outreach' THEN outreach
    END AS value,
    key_sum,
    (SELECT min(month) FROM activity_cube) AS first_month,
    (SELECT max(month) FROM activity_cube) AS last_month
FROM activity_cube
WHERE in_period(month, fiscal_year, $start, $end, $fiscal_years)
  AND kept($districts, district)
  AND kept($fields, field)
  AND kept($org_types, org_type)
