"""Analysis of replication results: interval estimates, calendar windows, summary tables."""
