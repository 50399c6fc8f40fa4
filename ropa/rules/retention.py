"""Retention: missing, vague, indefinite, longer downstream than at the source, law uncited."""
