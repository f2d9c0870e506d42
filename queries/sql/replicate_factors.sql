-- name: replicate_factors
-- params: wave, channel
-- returns: the replicate_factors mart of one wave and channel: per raking group (age_band, sex,
--   district as the marts code them) `factor`, the weight of one draw in each replicate (a list).
SELECT
    age_band,
    sex,
    district,
    factor
FROM replicate_factors
WHERE wave = $wave
  AND channel = $channel
