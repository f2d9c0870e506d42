-- name: referrals_matrix_type
-- params: start, end, fiscal_years
-- returns: raw referral counts per (from, to) pair of organisation types over the filtered months: from_key, to_key (org_type codes), count, key_sum (Σ record keys, for the cell key). Unmasked: for queries.activity only.
WITH filtered AS (
    SELECT *
    FROM referral_types
    WHERE in_period(month, fiscal_year, $start, $end, $fiscal_years)
)

SELECT from_type AS from_key, to_type AS to_key, CAST(sum(count) AS BIGINT) AS count,
    CAST(sum(key_sum) AS BIGINT) AS key_sum
FROM filtered
GROUP BY from_type, to_type
ORDER BY from_type, to_type
