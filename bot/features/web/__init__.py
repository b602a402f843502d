"""What the community's web page reads through the core's port: the community by its
name, leaderboard pages, the ideas board, a member's profile, a closed poll's result and
the moderators' dashboard. Each module answers with the same queries and rules as the
chat commands, so the page and the commands never disagree; asking never creates a
community, and members who chose to be hidden, excluded members and bots are never
named."""

from bot.features.web.dashboard import dashboard_page
from bot.features.web.ideas import ideas_board
from bot.features.web.leaderboard import board_page, public_community
from bot.features.web.members import member_page
from bot.features.web.polls import poll_page

__all__ = [
    "board_page",
    "dashboard_page",
    "ideas_board",
    "member_page",
    "poll_page",
    "public_community",
]
