"""The community the web tests serve: who has how many points, who is hidden or
excluded, and who the board shows, in order."""

# bob 50, dave 40, carol 30 (erin 30, after carol: known later), nora 100 but hidden,
# mallory 90 but excluded by a moderator.
BOARD = """
    alice is moderator
    bob: hello
    carol: hello
    dave: hello
    erin: hello
    nora: hello
    mallory: hello
    alice: /admin points add @bob 50 answers
    alice: /admin points add @carol 30 answers
    alice: /admin points add @dave 40 answers
    alice: /admin points add @erin 30 answers
    alice: /admin points add @nora 100 answers
    alice: /admin points add @mallory 90 answers
    nora: /privacy hide
    alice: /admin exclude member @mallory
"""
SHOWN = ["bob", "dave", "carol", "erin"]
