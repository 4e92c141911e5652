"""The check stage: ``verify`` (proved, numeric, refuted or unknown), its strategies, and the catalogue."""
