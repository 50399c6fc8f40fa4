"""Transfers outside the EEA, computed from the graph: undeclared, missing, invalid or ill-fitting mechanisms."""
