-- name: indicator_cells
-- returns: table indicator_cells: per wave, channel, age_band, sex, district, household, confidant
--   group (NULL attributes as 9 = 無回答) and indicator, the additive sufficient statistics of the
--   indicator's denominator rows: n (respondents), sum_w (Σw), sum_w2 (Σw²), sum_wy (Σw·y), and
--   for the cell-key method n_y (respondents with the trait), key_n (Σ record keys of the n
--   respondents) and key_y (Σ record keys of the n_y): sums, so any cell's keys add up like its counts.
-- grain: wave, channel, age_band, sex, district, household, confidant_group, indicator
--
-- Template: the double-brace placeholders indicator_answers, indicator_ids and missing_code are
-- filled in by data.indicator_rules from the codebook's indicator rules (trusted codebook text, never user
-- input). Each indicator answer is 1/0 over its denominator and NULL for respondents who left an
-- item it uses blank; UNPIVOT drops those NULLs, so each indicator keeps only its denominator.
-- confidant_group lets the national comparison break indicators down by 相談相手 (published
-- nationally); it is not one of the dashboard's filter dimensions.
CREATE OR REPLACE TABLE indicator_cells AS
WITH respondents AS (
    SELECT
        wave,
        channel,
        coalesce(age_band, {{ missing_code }}) AS age_band,
        coalesce(sex, {{ missing_code }}) AS sex,
        coalesce(district, {{ missing_code }}) AS district,
        coalesce(household, {{ missing_code }}) AS household,
        coalesce(confidant, {{ missing_code }}) AS confidant_group,
        weight,
        record_key,
        {{ indicator_answers }}
    FROM responses
),

answers AS (
    UNPIVOT respondents
    ON {{ indicator_ids }}
    INTO NAME indicator VALUE y
),

cells AS (
    SELECT
        CAST(wave AS INTEGER) AS wave,
        CAST(channel AS INTEGER) AS channel,
        CAST(age_band AS INTEGER) AS age_band,
        CAST(sex AS INTEGER) AS sex,
        CAST(district AS INTEGER) AS district,
        CAST(household AS INTEGER) AS household,
        CAST(confidant_group AS INTEGER) AS confidant_group,
        CAST(indicator AS VARCHAR) AS indicator,
        CAST(count(*) AS BIGINT) AS n,
        sum(weight) AS sum_w,
        sum(weight * weight) AS sum_w2,
        sum(weight * y) AS sum_wy,
        CAST(sum(y) AS BIGINT) AS n_y,
        CAST(sum(record_key) AS BIGINT) AS key_n,
        CAST(sum(record_key * y) AS BIGINT) AS key_y
    FROM answers
    GROUP BY ALL
)

SELECT * FROM cells
ORDER BY indicator, wave, channel, age_band, sex, district, household, confidant_group;
