"""State that every visitor of one server shares, each item with an owner: the training line
(runs queued, running and finished, kept in SQLite so a restart loses nothing), the engine
that runs them (Dask: worker processes here, or a cluster elsewhere), dataset imports, and
who may see, change and share which run or dataset. Nothing here imports Streamlit.
"""
