"""Carrier adapters: each turns tracking numbers into normalised `TrackResult`s over HTTP; no database here."""
