"""Enrichment of landed posts: the coins they mention and their sentiment (see step.py)."""
