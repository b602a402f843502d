"""Tables of the ideas feature."""
