"""Evaluation harness for imr-llm: gold files, scoring, and (to come) the comparison runner.

Uses only imr_llm's public API.
"""
