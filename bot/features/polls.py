"""Polls: single, multiple, ranked (instant-runoff) and budget (dot-voting) polls with a
deadline, closed once by `run_due` or early by a moderator."""
