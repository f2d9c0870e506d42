"""つながりダッシュボード: the Streamlit app (entry point dashboard/app.py)."""
