"""District geometry for the 地域マップ: the project's schematic polygons, or an imported boundary file."""
