"""Community events: `/event create|list|show|checkin` and `/admin event
cancel|edit|attended`, an event card with Going / Maybe / Can't go buttons and a waitlist,
reminders and the host's check-in code through `run_due`, and points and badges for the
people who show up (see the README's "Events")."""
