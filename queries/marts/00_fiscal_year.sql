-- name: fiscal_year
-- returns: macro fiscal_year(d): the fiscal year (年度, April–March) of the date d, as
--   queries.activity.fiscal_year_of: FY2024 = 2024-04 .. 2025-03. The one place the marts and the
--   referral queries take the rule from.
CREATE OR REPLACE MACRO fiscal_year(d) AS CAST(year(d) - CASE WHEN month(d) < 4 THEN 1 ELSE 0 END AS INTEGER);
