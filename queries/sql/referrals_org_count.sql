-- name: referrals_org_count
-- params: start, end, fiscal_years
-- returns: the number of organisations in a referral of the filtered months, as sender or receiver (the axes of the referral matrix at level org): n. For the limit of queries.activity (max_org_groups), asked before the matrix is built.
WITH filtered AS (
    SELECT r.from_org, r.to_org
    FROM referrals AS r
    INNER JOIN organisations AS fo ON fo.org_id = r.from_org
    INNER JOIN organisations AS t ON t.org_id = r.to_org
    WHERE in_period(r.month, fiscal_year(r.month), $start, $end, $fiscal_years)
)

SELECT count(DISTINCT org) AS n
FROM (
    SELECT from_org AS org FROM filtered
    UNION ALL
    SELECT to_org AS org FROM filtered
)
