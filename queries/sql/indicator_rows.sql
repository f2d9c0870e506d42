-- name: indicator_rows
-- params: indicators, wave, channels, age_band, sex, district, household
-- returns: the rows of the indicator_cells mart the filters keep, at the mart's grain: indicator,
--   wave, channel, age_band, sex, district, household, confidant_group (codes; 9 = 無回答), n,
--   sum_w, sum_w2, sum_wy, and the cell-key sums n_y, key_n, key_y.
--
-- wave NULL = every wave; the attribute lists hold codes (9 = 無回答), an empty list = no filter.
-- The filtered rows are a few thousand (the mart is summed per group of every attribute), so
-- queries.indicators sums them per group of the breakdown asked for with numpy: one fetch serves
-- every breakdown of the same filters (the national comparison needs several). Estimates,
-- intervals and suppression are computed from these sums in queries.indicators.
SELECT
    indicator,
    wave,
    channel,
    age_band,
    sex,
    district,
    household,
    confidant_group,
    n,
    sum_w,
    sum_w2,
    sum_wy,
    n_y,
    key_n,
    key_y
FROM indicator_cells
WHERE list_contains($indicators, indicator)
  AND ($wave IS NULL OR wave = $wave)
  AND list_contains($channels, channel)
  AND kept($age_band, age_band)
  AND kept($sex, sex)
  AND kept($district, district)
  AND kept($household, household)
