"""Printed outputs that are not a deck's handout: the A4 one-page summary (summary.py) and the
residents' leaflet (leaflet.py), made with fpdf2 in the shipped UD font. Plain code, no Streamlit:
the pages (概要, 相談窓口一覧) and `python -m dashboard summary|leaflet` call the same functions,
and every figure comes through dashboard.source (protected by the query layer)."""
