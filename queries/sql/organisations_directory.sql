-- name: organisations_directory
-- params:
-- returns: every organisation of the consultation directory (相談窓口一覧) in display order (type, name, id): org_id, name, org_type, fields, districts, member, phone, hours, address, url, lat, lon. queries.activity keeps it per connection with its labels and search text; organisations_selected picks the rows a call shows.
SELECT org_id, name, org_type, fields, districts, member, phone, hours, address, url, lat, lon
FROM organisations
ORDER BY org_type, name, org_id
