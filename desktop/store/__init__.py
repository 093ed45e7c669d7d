"""Qt-free: the working store, ingest, the column cache and the questions asked of it."""
