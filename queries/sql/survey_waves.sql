-- name: survey_waves
-- returns: wave: every survey wave present in responses, ascending.
SELECT DISTINCT CAST(wave AS INTEGER) AS wave
FROM responses
ORDER BY wave
