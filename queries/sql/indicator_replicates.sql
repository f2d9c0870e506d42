-- name: indicator_replicates
-- params: indicator, wave, channel
-- returns: the rows of the indicator_replicates mart of one indicator, wave and channel (the raked
--   random sample's bootstrap replicates, data/replicates.py) with their raking group's factors:
--   age_band, sex, district, household (codes; 9 = 無回答), n (respondents in the denominator),
--   rep_n and rep_ny (per replicate, how many draws, and how many of them with the trait) and
--   factor (per replicate, the weight of one draw of the row's raking group). A replicate's sums
--   are Σw_r = factor[r] × rep_n[r] and Σw_r·y = factor[r] × rep_ny[r]; queries.indicators sums
--   them per group of the table asked for, as it sums indicator_rows.
--
-- No rows for a wave and channel without replicates (weights not raked by the build).
SELECT
    r.age_band,
    r.sex,
    r.district,
    r.household,
    r.n,
    r.rep_n,
    r.rep_ny,
    f.factor
FROM indicator_replicates AS r
JOIN replicate_factors AS f USING (wave, channel, age_band, sex, district)
WHERE r.indicator = $indicator
  AND r.wave = $wave
  AND r.channel = $channel
ORDER BY r.age_band, r.sex, r.district, r.household
