"""Prompt templates, installed as the package `imr_llm.prompts` (see pyproject's package-dir)."""
