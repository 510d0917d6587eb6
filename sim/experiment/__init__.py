"""Running experiments: backends, batches, the engine, the SQLite store, trajectory sketches,
and the writers of a results folder."""
