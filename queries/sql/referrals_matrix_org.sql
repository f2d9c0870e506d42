-- name: referrals_matrix_org
-- params: start, end, fiscal_years
-- returns: raw referral counts per (from, to) pair of organisations over the filtered months: from_key, to_key (org_id), count, key_sum (Σ record keys, for the cell key). Unmasked: for queries.activity only.
WITH referral_rows AS (
    SELECT
        r.month,
        fiscal_year(r.month) AS fiscal_year,
        r.from_org,
        r.to_org,
        r.count,
        r.record_key
    FROM referrals AS r
),

filtered AS (
    SELECT *
    FROM referral_rows
    WHERE in_period(month, fiscal_year, $start, $end, $fiscal_years)
)

SELECT from_org AS from_key, to_org AS to_key, CAST(sum(count) AS BIGINT) AS count,
    CAST(sum(record_key) AS BIGINT) AS key_sum
FROM filtered
GROUP BY from_org, to_org
ORDER BY from_org, to_org
