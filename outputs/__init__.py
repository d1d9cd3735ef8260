"""Outputs: what a run writes for people (the workbook) and machines (CSV, Parquet, run.json)."""
