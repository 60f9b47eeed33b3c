"""Streamlit pages and render helpers: the only package that imports streamlit."""
