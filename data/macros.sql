-- name: macros
-- returns: the macros the marts and the query files share, so each rule is written once (created
--   by data.marts.build_marts before the marts):
--   fiscal_year(d)   the fiscal year (年度, April–March) of the date d, as
--                    queries.filters.fiscal_year_of: FY2024 = 2024-04 .. 2025-03;
--   kept(codes, c)   a filter on a list of codes: true when c is in codes, or codes is empty
--                    (an empty list means no filter);
--   in_period(m, fy, first, last, fiscal_years)
--                    the month m (of fiscal year fy) lies in the period a member asked for:
--                    from first to last month (inclusive, NULL = open) and in fiscal_years (kept).
CREATE OR REPLACE MACRO fiscal_year(d) AS CAST(year(d) - CASE WHEN month(d) < 4 THEN 1 ELSE 0 END AS INTEGER);

CREATE OR REPLACE MACRO kept(codes, c) AS len(codes) = 0 OR list_contains(codes, c);

CREATE OR REPLACE MACRO in_period(m, fy, first, last, fiscal_years) AS
    (first IS NULL OR m >= first) AND (last IS NULL OR m <= last) AND kept(fiscal_years, fy);
