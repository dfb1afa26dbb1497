"""Sources: one folder per platform (raw and staging assets, SQL, table specs, source checks)."""
