"""Benchmarks: ours against the baselines, in one run on this machine. See `python -m bench -h`."""
