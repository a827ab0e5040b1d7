"""Scheduled programme work (reviews)."""
