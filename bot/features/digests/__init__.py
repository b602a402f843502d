"""Digests: the weekly (or monthly) post that puts the best contributors and the
community's health in front of everyone. `posting` plans, runs and posts digests and
holds the moderator commands, `schedule` the schedule rules and periods, `data` gathers a
period's numbers from storage, `cards` renders them, `health_report` answers
`/admin stats` with the same health numbers on demand."""
