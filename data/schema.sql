-- The tables of the dashboard's DuckDB file. Codes are the codebook's integers; a blank cell
-- or the code 9 (無回答 / No answer) is stored as NULL.

CREATE TABLE responses (
    wave              INTEGER  NOT NULL,
    response_id       VARCHAR  NOT NULL,
    channel           TINYINT  NOT NULL,   -- 1 random sample, 2 open web
    age_band          TINYINT,             -- NULL = 無回答
    sex               TINYINT,
    district          TINYINT,
    household         TINYINT,
    lonely_direct     TINYINT,             -- answers: NULL = no answer, out of that indicator
    ucla_1            TINYINT,
    ucla_2            TINYINT,
    ucla_3            TINYINT,
    meet_freq         TINYINT,
    participation     TINYINT,
    confidant         TINYINT,
    support_received  TINYINT,
    weight            DOUBLE   NOT NULL,   -- > 0
    weight_source     VARCHAR  NOT NULL,   -- 'vendor' | 'raked' | 'unit' (open web, weight 1)
    record_key        SMALLINT NOT NULL,   -- 0..255, the cell-key method's (data/record_keys.py)
    PRIMARY KEY (wave, response_id)
);

CREATE TABLE population (
    as_of       DATE     NOT NULL,
    district    TINYINT  NOT NULL,
    age_band    TINYINT  NOT NULL,
    sex         TINYINT  NOT NULL,
    population  INTEGER  NOT NULL,
    PRIMARY KEY (as_of, district, age_band, sex)
);

CREATE TABLE organisations (
    org_id     VARCHAR  PRIMARY KEY,
    name       VARCHAR  NOT NULL,
    org_type   TINYINT  NOT NULL,
    fields     TINYINT[] NOT NULL,            -- field codes
    districts  TINYINT[] NOT NULL,            -- district codes; 'all' is stored as [1..6]
    member     BOOLEAN  NOT NULL,
    phone      VARCHAR,
    hours      VARCHAR,
    address    VARCHAR,
    url        VARCHAR,
    lat        DOUBLE,
    lon        DOUBLE
);

CREATE TABLE activity (
    org_id         VARCHAR  NOT NULL,
    month          DATE     NOT NULL,   -- first day of the month
    district       TINYINT  NOT NULL,
    field          TINYINT  NOT NULL,
    consultations  INTEGER  NOT NULL,
    new_cases      INTEGER  NOT NULL,
    outreach       INTEGER  NOT NULL,
    record_key     SMALLINT NOT NULL    -- 0..255, the cell-key method's (data/record_keys.py)
);

CREATE TABLE referrals (
    month     DATE     NOT NULL,        -- first day of the month
    from_org  VARCHAR  NOT NULL,
    to_org    VARCHAR  NOT NULL,
    count     INTEGER  NOT NULL,
    record_key SMALLINT NOT NULL        -- 0..255, the cell-key method's (data/record_keys.py)
);

CREATE TABLE import_log (
    extract      VARCHAR    NOT NULL,   -- survey_responses, population, ...
    file_name    VARCHAR    NOT NULL,
    sha256       VARCHAR    NOT NULL,
    rows         INTEGER    NOT NULL,
    encoding     VARCHAR    NOT NULL,   -- utf-8, utf-8-sig, cp932, xlsx
    built_at     TIMESTAMP  NOT NULL,   -- UTC
    is_demo      BOOLEAN    NOT NULL
);
