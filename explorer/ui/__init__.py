"""The Streamlit front end: the only package that imports streamlit.

The Explore tab's first page needs neither torch nor Plotly (explorer/page/prepared.py,
explorer/page/web/): the other tabs import what they need when they are opened, and
`warmup.start()` imports it in the background once the first page is out.
"""
