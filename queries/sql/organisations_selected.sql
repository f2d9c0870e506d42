-- name: organisations_selected
-- params: fields, districts, org_types
-- returns: org_id of the organisations serving any of the given fields and any of the given districts, of any of the given types (empty list = any). Text search is done by queries.activity on the directory rows.
WITH selected AS (
    SELECT org_id
    FROM organisations
    WHERE (len($fields) = 0 OR list_has_any(fields, $fields))
      AND (len($districts) = 0 OR list_has_any(districts, $districts))
      AND kept($org_types, org_type)
)

SELECT org_id
FROM selected
