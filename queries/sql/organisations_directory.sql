-- name: organisations_directory
-- params: fields, districts, org_types
-- returns: the consultation directory (相談窓口一覧): one row per organisation serving any of the given fields and districts (empty list = any): org_id, name, org_type, fields, districts, member, phone, hours, address, url, lat, lon. Text search is done by queries.activity on these rows.
WITH selected AS (
    SELECT *
    FROM organisations
    WHERE (len($fields) = 0 OR list_has_any(fields, $fields))
      AND (len($districts) = 0 OR list_has_any(districts, $districts))
      AND (len($org_types) = 0 OR list_contains($org_types, org_type))
)

SELECT org_id, name, org_type, fields, districts, member, phone, hours, address, url, lat, lon
FROM selected
ORDER BY org_type, name, org_id
