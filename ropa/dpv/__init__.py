"""The registry in the W3C Data Privacy Vocabulary: how model fields and vocabulary terms map to
DPV terms, shared by the JSON-LD export (ropa.render.dpv) and its reader (ropa.input.dpv)."""
