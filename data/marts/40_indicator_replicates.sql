-- name: indicator_replicates
-- returns: the bootstrap replicates of the raked random sample (data/replicates.py fills both
--   tables after this file has made them; issue 16, item 4):
--   replicate_factors: per wave, channel and raking group (age_band, sex, district as the marts
--     code them, NULL as 9; sex 3 and 9 are the groups the margins cannot place), `factor`, a list
--     of one value per replicate: the weight one resampled respondent of the group carries in that
--     replicate after the replicate was raked again (the same raking code as the build's weights).
--   indicator_replicates: per wave, channel, age_band, sex, district, household and indicator (the
--     grain of indicator_cells without confidant_group), n (respondents in the indicator's
--     denominator, as indicator_cells' n summed over confidant_group) and two lists of one integer
--     per replicate: rep_n, how many times the replicate resampled them, and rep_ny, how many of
--     those have the trait. A replicate's Σw is factor[r] × rep_n[r] and its Σw·y factor[r] ×
--     rep_ny[r] (the group of a row is its age_band, sex and district): additive sums, so any
--     cell of any table has its replicate sums by addition, like its estimate's.
-- Waves whose weights are not raked by the build (the vendor's weights, the open web's weight 1)
-- have no rows: their intervals stay Wilson with Kish's effective size (queries/indicators.py).
--
-- grain: wave, channel, age_band, sex, district
CREATE OR REPLACE TABLE replicate_factors (
    wave INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    age_band INTEGER NOT NULL,
    sex INTEGER NOT NULL,
    district INTEGER NOT NULL,
    factor DOUBLE[] NOT NULL
);

-- grain: wave, channel, age_band, sex, district, household, indicator
CREATE OR REPLACE TABLE indicator_replicates (
    wave INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    age_band INTEGER NOT NULL,
    sex INTEGER NOT NULL,
    district INTEGER NOT NULL,
    household INTEGER NOT NULL,
    indicator VARCHAR NOT NULL,
    n BIGINT NOT NULL,
    rep_n INTEGER[] NOT NULL,
    rep_ny INTEGER[] NOT NULL
);

-- The input of data/replicates.py (a view of this connection only, not kept in the database): the
-- raked respondents grouped by everything a replicate needs to tell them apart (their raking
-- attributes, the mart's cell and every indicator's answer: 1, 0 or NULL outside its
-- denominator) with how many respondents share it. Resampling these groups' counts is resampling
-- the respondents, with far fewer draws at a million responses.
CREATE OR REPLACE TEMP VIEW replicate_profiles AS
WITH respondents AS (
    SELECT
        CAST(wave AS INTEGER) AS wave,
        CAST(channel AS INTEGER) AS channel,
        CAST(age_band AS INTEGER) AS age_band,
        CAST(sex AS INTEGER) AS sex,
        CAST(district AS INTEGER) AS district,
        CAST(household AS INTEGER) AS household,
        {{ indicator_answers }}
    FROM responses
    WHERE weight_source = 'raked'
)

SELECT *, CAST(count(*) AS BIGINT) AS respondents
FROM respondents
GROUP BY ALL
ORDER BY ALL;
