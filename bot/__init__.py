"""Cercle's platform-neutral core: events in, actions out."""
