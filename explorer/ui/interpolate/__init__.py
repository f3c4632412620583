"""The Interpolate tab."""
