-- name: activity_organisations
-- params:
-- returns: every organisation with its name and type, for labels and matrix axes: org_id, name, org_type.
SELECT org_id, name, org_type
FROM organisations
ORDER BY org_type, name, org_id
