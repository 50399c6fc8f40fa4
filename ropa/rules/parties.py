"""Recipients: Art 28 contracts, sub-processor authorisation, Art 26 arrangements, undetermined roles."""
