"""Sources: read department files, recognise them, stage and load them into DuckDB."""
