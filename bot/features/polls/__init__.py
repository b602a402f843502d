"""Polls: single choice, multiple choice, points and ranked ballots, closed by hand or at
their deadline. `commands` creates polls and takes votes, `ballots` parses and applies a
ballot, `counting` holds the pure counting rules (majority, points, instant runoff),
`state` finds a poll and its outcome, `cards` renders poll and result cards, `closing`
closes polls (the moderator command and the deadline job)."""
