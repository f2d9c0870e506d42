-- name: respondent_profile
-- params: wave, channels
-- returns: who answered one survey wave, beside the population: dimension (channel | age_band |
--   district), code (NULL = 無回答), respondents (unweighted count), respondents_pct (share of the
--   respondents of that dimension), key_sum (Σ record keys: queries.profile perturbs the counts), population and population_pct (residents aged 16+ at the latest
--   population as_of; NULL for channel and 無回答). The channel rows count every channel; the other
--   rows count the channels given. Used by the dashboard's 概要 (who answered).
WITH wave_responses AS (
    SELECT channel, age_band, district, record_key
    FROM responses
    WHERE wave = $wave
),

chosen AS (
    SELECT * FROM wave_responses WHERE list_contains($channels, channel)
),

by_group AS (
    SELECT 'channel' AS dimension, channel AS code, count(*) AS respondents, sum(record_key) AS key_sum
    FROM wave_responses GROUP BY channel
    UNION ALL
    SELECT 'age_band', age_band, count(*), sum(record_key) FROM chosen GROUP BY age_band
    UNION ALL
    SELECT 'district', district, count(*), sum(record_key) FROM chosen GROUP BY district
),

latest_population AS (
    SELECT district, age_band, population
    FROM population
    WHERE as_of = (SELECT max(as_of) FROM population)
),

population_by_group AS (
    SELECT 'age_band' AS dimension, age_band AS code, sum(population) AS population
    FROM latest_population GROUP BY age_band
    UNION ALL
    SELECT 'district', district, sum(population) FROM latest_population GROUP BY district
),

joined AS (
    SELECT g.dimension, g.code, g.respondents, g.key_sum, p.population
    FROM by_group AS g
    LEFT JOIN population_by_group AS p
        ON p.dimension = g.dimension AND p.code = g.code
)

SELECT
    dimension,
    CAST(code AS INTEGER) AS code,
    CAST(respondents AS INTEGER) AS respondents,
    CAST(key_sum AS BIGINT) AS key_sum,
    CAST(population AS BIGINT) AS population,
    100.0 * population / sum(population) OVER (PARTITION BY dimension) AS population_pct
FROM joined
ORDER BY dimension, code NULLS LAST
