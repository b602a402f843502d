"""Tables of the polls feature."""
