"""Evaluation harness for imr-llm: gold files, scoring, the comparison runner and its reports.

`python -m evals` (see `cli`). Uses only imr_llm's public API.
"""
