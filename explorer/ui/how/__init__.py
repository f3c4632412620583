"""The How it works tab."""
