"""The dashboard pages; each module has render(ctx) and runs it when Streamlit executes the file."""
