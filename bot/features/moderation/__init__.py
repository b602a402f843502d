"""Community structure and moderation: the public rules and their consequences (`/rules`),
who is who (`/team`), warnings along the consequence ladder (`/admin warn`,
`/admin warnings`) and reports of messages to the moderators."""
