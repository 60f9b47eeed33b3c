"""Use cases: one function, one transaction, one audit event per change."""
