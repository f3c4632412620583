"""The tests, in folders that mirror explorer/'s."""
