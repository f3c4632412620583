"""Tools for tests, benchmarks and screenshots: not part of the app."""
