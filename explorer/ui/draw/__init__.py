"""The Draw or upload tab."""
