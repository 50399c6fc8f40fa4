"""DPIA screening: WP248 criteria counted per activity, and the Art 35(3) cases."""
