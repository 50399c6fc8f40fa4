"""What comes into the registry from outside: documents parsed strictly, within limits."""
