-- name: import_log
-- params:
-- returns: the extracts loaded into this database, newest first: extract, file_name, sha256, rows,
--   encoding, built_at (UTC), is_demo.
WITH log AS (
    SELECT extract, file_name, sha256, rows, encoding, built_at, is_demo
    FROM import_log
)

SELECT *
FROM log
ORDER BY built_at DESC, extract, file_name
