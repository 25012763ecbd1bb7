"""Turning shipment changes into outbox rows, and sending them."""
