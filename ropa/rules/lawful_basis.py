"""Lawful basis (Art 6), its support, Art 9 conditions and Art 10 authority."""
