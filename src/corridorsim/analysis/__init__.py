"""Analyses of a run from the engine's records: tables, KPIs, saturation, checks, caveats."""
