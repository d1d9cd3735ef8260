"""Rules: the catalogue of reconciliation rules, one SQL file each."""
