-- name: trend_waves
-- params: indicator, channels
-- returns: wave: the survey waves of a trend, ascending: every wave where someone of the chosen
--   channel answered every item the indicator uses (a wave whose questionnaire lacked the question
--   is left out rather than shown empty). The attribute filters are not applied here, so which
--   waves a trend shows never depends on how few people a narrow filter leaves; only the wave
--   list leaves this query (no count).
WITH asked AS (
    -- the indicator's denominator cells of the chosen channel, in every wave
    SELECT wave, n
    FROM indicator_cells
    WHERE indicator = $indicator
      AND list_contains($channels, channel)
),
per_wave AS (
    -- respondents who answered, per wave
    SELECT wave, sum(n) AS answered
    FROM asked
    GROUP BY wave
)
SELECT CAST(wave AS INTEGER) AS wave
FROM per_wave
WHERE answered > 0
ORDER BY wave
