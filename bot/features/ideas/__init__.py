"""Ideas: members submit them, the community votes for or against and volunteers, and
moderators move them through their statuses. `commands` holds the member commands and
buttons, `moderation` the moderator commands, `votes` voting and volunteering, `cards`
the idea card and its updates, `rules` the pure rules (statuses, duplicates, titles)."""
