-- name: referrals_matrix
-- params: level, start, end, fiscal_years
-- returns: raw referral counts per (from, to) pair over the filtered months: from_key, to_key, count. Keys are org_id (level org) or the org_type code as text (level org_type). Unmasked: for queries.activity only.
WITH referral_rows AS (
    SELECT
        r.month,
        CAST(year(r.month) - CASE WHEN month(r.month) < 4 THEN 1 ELSE 0 END AS INTEGER) AS fiscal_year,
        r.from_org,
        r.to_org,
        r.count
    FROM referrals AS r
),

filtered AS (
    SELECT *
    FROM referral_rows
    WHERE ($start IS NULL OR month >= $start)
      AND ($end IS NULL OR month <= $end)
      AND (len($fiscal_years) = 0 OR list_contains($fiscal_years, fiscal_year))
),

keyed AS (
    SELECT
        CASE $level WHEN 'org' THEN f.from_org ELSE CAST(fo.org_type AS VARCHAR) END AS from_key,
        CASE $level WHEN 'org' THEN f.to_org ELSE CAST(t.org_type AS VARCHAR) END AS to_key,
        f.count
    FROM filtered AS f
    INNER JOIN organisations AS fo ON fo.org_id = f.from_org
    INNER JOIN organisations AS t ON t.org_id = f.to_org
)

SELECT from_key, to_key, CAST(sum(count) AS BIGINT) AS count
FROM keyed
GROUP BY from_key, to_key
ORDER BY from_key, to_key
