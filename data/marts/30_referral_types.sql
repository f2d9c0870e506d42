-- name: referral_types
-- returns: table referral_types: referrals summed per month and pair of organisation types, with
--   the fiscal year (年度, April–March) of the month: what the referral matrix by type reads, a few
--   hundred rows where referrals has one per pair of organisations and month. key_sum: Σ record keys
--   of the rows summed (the cell-key method).
-- grain: month, from_type, to_type
CREATE OR REPLACE TABLE referral_types AS
WITH referral_rows AS (
    SELECT month, from_org, to_org, count, record_key
    FROM referrals
),

typed AS (
    SELECT
        r.month,
        fiscal_year(r.month) AS fiscal_year,
        fo.org_type AS from_type,
        t.org_type AS to_type,
        r.count,
        r.record_key
    FROM referral_rows AS r
    INNER JOIN organisations AS fo ON fo.org_id = r.from_org
    INNER JOIN organisations AS t ON t.org_id = r.to_org
)

SELECT
    month,
    fiscal_year,
    from_type,
    to_type,
    CAST(sum(count) AS BIGINT) AS count,
    CAST(sum(record_key) AS BIGINT) AS key_sum
FROM typed
GROUP BY month, fiscal_year, from_type, to_type
ORDER BY month, from_type, to_type;
