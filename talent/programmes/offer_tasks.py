"""Scheduled programme work (offers)."""
