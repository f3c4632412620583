"""The floor of `python -m bench.browser latency`'s first-page figure: a one-line app,
started and opened the same way as ours."""

import streamlit as st

st.write("Hello from a one-line Streamlit app.")
