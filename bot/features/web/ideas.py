"""The ideas board of the web page: ideas by status, most supported first, each with its
votes, the reason of its latest status and its history, worded as `/idea show` words it.

A member who chose to be hidden, or who is excluded, is never named: their history lines
say "a member" instead.
"""

from __future__ import annotations

from bot import i18n
from bot.features.ideas.cards import history_line, paragraph, title_text
from bot.features.ideas.rules import STATUSES
from bot.features.web.leaderboard import community_view, wording
from bot.formatting import day
from bot.ports import IdeaItem, IdeaSection
from bot.services import Services
from bot.text import member_text
from storage import ideas as store
from storage import member_counters

SHOWN = tuple(status for status in STATUSES if status != "duplicate")  # merged away
PER_STATUS = 50


async def ideas_board(core: Services, slug: str) -> tuple[IdeaSection, ...]:
    view = await community_view(core, slug)
    if view is None:
        raise LookupError(slug)
    words = wording(core, view)
    sections: list[IdeaSection] = []
    async with core.db.transaction() as session:
        for status in SHOWN:
            ideas, total = await store.ranked_ideas(session, view.id, (status,), "top", PER_STATUS)
            events = await store.histories(session, [i.id for i in ideas if i.id is not None])
            people = {i.author_id for i in ideas} | {
                e.actor_id for found in events.values() for e in found
            }
            names = await store.names(session, people)
            rows = await member_counters.members_by_id(session, people)
            someone = view.t("web.someone")
            for member_id, row in rows.items():
                if row.hidden or row.excluded:
                    names[member_id] = someone
            others = await store.ideas_by_id(
                session,
                [e.other_idea_id for f in events.values() for e in f if e.other_idea_id],
            )
            items = []
            for idea in ideas:
                assert idea.id is not None
                submitted = view.t(
                    "idea.history.submitted",
                    date=day(view.locale, view.local_day(idea.created_at)),
                    actor=member_text(names.get(idea.author_id, "?"), 50),
                )
                history = [submitted] + [
                    history_line(words, event, names, others) for event in events[idea.id]
                ]
                items.append(
                    IdeaItem(
                        number=idea.number,
                        title=title_text(idea),
                        description=paragraph(idea.description, 2000),
                        status=idea.status,
                        votes_for=idea.votes_for,
                        votes_against=idea.votes_against,
                        reason=idea.status_reason,
                        history=tuple(history),
                    )
                )
            label = i18n.t(view.locale, f"idea.status.{status}")
            sections.append(IdeaSection(status, label, total, tuple(items)))
    return tuple(sections)
