"""Concept questions, one module per lesson."""
