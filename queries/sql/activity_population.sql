-- name: activity_population
-- params:
-- returns: residents aged 16 and over per district at the latest as_of of the population extract: district, population, as_of (one row per district present).
WITH latest AS (
    SELECT max(as_of) AS as_of
    FROM population
),

residents AS (
    SELECT p.district, p.population, p.as_of
    FROM population AS p
    INNER JOIN latest USING (as_of)
)

SELECT
    district,
    CAST(sum(population) AS BIGINT) AS population,
    any_value(as_of) AS as_of
FROM residents
GROUP BY district
ORDER BY district
