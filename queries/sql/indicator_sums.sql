-- name: indicator_sums
-- params: indicators, dim1, dim2, wave, channels, age_band, sex, district, household
-- returns: per indicator and group of up to two dimensions, the sufficient statistics of the
--   filtered denominator rows: indicator, group1, group2 (codes; 9 = 無回答; NULL when the
--   dimension is 'none'), n, sum_w, sum_w2, sum_wy. Only groups with respondents appear.
--
-- dim1/dim2: age_band | sex | district | household | channel | wave | confidant | none.
-- wave NULL = every wave; the attribute lists hold codes (9 = 無回答), an empty list = no filter.
-- Estimates, intervals and suppression are computed from these sums in queries.indicators.
WITH filtered AS (
    SELECT *
    FROM indicator_cells
    WHERE list_contains($indicators, indicator)
      AND ($wave IS NULL OR wave = $wave)
      AND list_contains($channels, channel)
      AND (len($age_band) = 0 OR list_contains($age_band, age_band))
      AND (len($sex) = 0 OR list_contains($sex, sex))
      AND (len($district) = 0 OR list_contains($district, district))
      AND (len($household) = 0 OR list_contains($household, household))
),

keyed AS (
    SELECT
        indicator,
        CASE $dim1
            WHEN 'age_band' THEN age_band
            WHEN 'sex' THEN sex
            WHEN 'district' THEN district
            WHEN 'household' THEN household
            WHEN 'channel' THEN channel
            WHEN 'wave' THEN wave
            WHEN 'confidant' THEN confidant_group
        END AS group1,
        CASE $dim2
            WHEN 'age_band' THEN age_band
            WHEN 'sex' THEN sex
            WHEN 'district' THEN district
            WHEN 'household' THEN household
            WHEN 'channel' THEN channel
            WHEN 'wave' THEN wave
            WHEN 'confidant' THEN confidant_group
        END AS group2,
        n,
        sum_w,
        sum_w2,
        sum_wy
    FROM filtered
)

SELECT
    indicator,
    group1,
    group2,
    CAST(sum(n) AS BIGINT) AS n,
    sum(sum_w) AS sum_w,
    sum(sum_w2) AS sum_w2,
    sum(sum_wy) AS sum_wy
FROM keyed
GROUP BY indicator, group1, group2
ORDER BY indicator, group1, group2
