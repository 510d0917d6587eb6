"""Scenario files: typed, frozen parameters and the loader that builds them from TOML."""
