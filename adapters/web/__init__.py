"""The community's web page: public leaderboards (and later ideas, profiles and polls),
the JSON API under `/api/`, and the moderators' dashboard, served by aiohttp's web server
(already what `/healthz` runs on) with Jinja2 templates. It reads through the core's port
like any platform and never writes."""
