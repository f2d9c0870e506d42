-- name: indicator_replicates
-- params: wave, channel
-- returns: the rows of the indicator_replicates mart of one wave and channel (the raked random
--   sample's bootstrap replicates, data/replicates.py), every indicator, in no set order (the
--   caller groups them by indicator; sorting lists of 200 in DuckDB cost 10-40 ms of the read):
--   indicator, age_band, sex, district, household (codes; 9 = 無回答), n (respondents in the
--   denominator), rep_n and rep_ny (per replicate, how many draws, and how many of them with the
--   trait). With the factors of replicate_factors.sql (per raking group and replicate, the weight
--   of one draw) a replicate's sums are Σw_r = factor[r] × rep_n[r] and Σw_r·y = factor[r] ×
--   rep_ny[r]; queries.indicators sums them per group of the table asked for, as it sums
--   indicator_rows.
--
-- No rows for a wave and channel without replicates (weights not raked by the build). One query
-- for every indicator of the wave: the overview needs them all at once.
SELECT
    indicator,
    age_band,
    sex,
    district,
    household,
    n,
    rep_n,
    rep_ny
FROM indicator_replicates
WHERE wave = $wave
  AND channel = $channel
