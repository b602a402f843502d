"""Cercle's benchmarks: ingestion throughput and command latency on SQLite (`make bench`)."""
