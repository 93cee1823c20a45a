"""Benchmarks for imr-llm. They use only the public API and are never run as timed tests."""
