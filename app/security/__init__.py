"""Secrets handling: public tracking tokens, API keys and encrypted carrier credentials."""
