"""Polling carriers and applying what they say to shipments."""
