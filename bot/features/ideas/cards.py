"""What ideas look like: the idea card with its buttons, list lines, the similar-ideas
card, the detail card of `/idea show`, and updating a posted card in place.

Member text (titles, descriptions, reasons) goes through `bot.text` here and nowhere
else: neutralised (no @everyone ping), on one line where a line is expected, and cut to
fit a Discord embed or a Slack block.
"""

from __future__ import annotations

from bot import formatting, i18n
from bot.actions import Button, Card, CardField, UpdateCard
from bot.cards import updates
from bot.context import CommandContext
from bot.features.ideas import rules
from bot.text import member_text, neutralise, shorten
from storage import ideas as store
from storage.models.ideas import Idea, IdeaEvent

TITLE_LIMIT = 100  # on a card title or a list line
DESCRIPTION_LIMIT = 1500  # well inside Discord's 4096 and Slack's 3000 per block
DESCRIPTION_LINES = 20
REASON_LIMIT = 200  # the latest reason, shown next to the status


def card_ref(number: int) -> str:
    return f"idea:{number}"


def title_text(idea: Idea) -> str:
    return member_text(idea.title, TITLE_LIMIT)


def paragraph(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Member text kept as paragraphs: neutralised, no run of blank lines, at most
    `DESCRIPTION_LINES` lines and `limit` characters."""
    lines: list[str] = []
    for raw in neutralise(text).splitlines():
        line = " ".join(raw.split())
        if line or (lines and lines[-1]):
            lines.append(line)
    return shorten("\n".join(lines[:DESCRIPTION_LINES]).strip(), limit)


def status_label(ctx: CommandContext, status: str) -> str:
    return ctx.t(f"idea.status.{status}")


def votes_text(ctx: CommandContext, idea: Idea) -> str:
    locale = ctx.community.locale
    return ctx.t(
        "idea.votes",
        votes_for=i18n.number(locale, idea.votes_for),
        votes_against=i18n.number(locale, idea.votes_against),
    )


def list_line(ctx: CommandContext, idea: Idea) -> str:
    return ctx.t(
        "idea.line",
        number=idea.number,
        title=member_text(idea.title, 80),
        status=status_label(ctx, idea.status),
        votes=votes_text(ctx, idea),
    )


def testers_text(ctx: CommandContext, idea: Idea, volunteers: int) -> str | None:
    if idea.testers == "none":
        return None
    count = i18n.plural(ctx.community.locale, "idea.unit.volunteers", volunteers)
    if idea.testers == "closed":
        return ctx.t("idea.testers.closed", volunteers=count)
    if idea.testers_note:
        note = member_text(idea.testers_note, REASON_LIMIT)
        return ctx.t("idea.testers.open_note", note=note, volunteers=count)
    return ctx.t("idea.testers.open", volunteers=count)


def buttons(ctx: CommandContext, idea: Idea) -> tuple[Button, ...]:
    """For / Against while the idea takes votes, Volunteer while a call for testers is open."""
    found: list[Button] = []
    ref = card_ref(idea.number)
    if rules.accepts_votes(idea.status):
        found.append(Button(ctx.t("idea.button.for"), f"{ref}:vote:for", "success"))
        found.append(Button(ctx.t("idea.button.against"), f"{ref}:vote:against", "danger"))
    if idea.testers == "open" and rules.accepts_testers(idea.status):
        found.append(Button(ctx.t("idea.button.volunteer"), f"{ref}:volunteer", "primary"))
    return tuple(found)


def category_name(ctx: CommandContext, category: str) -> str:
    """A category as members read it in the community's language (see `IdeaSettings`)."""
    locale = ctx.community.locale
    named = ctx.settings.ideas.category_names_fr.get(category) if locale == "fr" else None
    key = f"idea.categories.{category}"
    return named or (ctx.t(key) if i18n.has(key, locale) else category)


async def summary_fields(ctx: CommandContext, idea: Idea) -> list[CardField]:
    """Status (with its latest reason), votes, category, author, merge and testers."""
    author = (await store.names(ctx.session, [idea.author_id])).get(idea.author_id, "?")
    status = status_label(ctx, idea.status)
    if idea.status_reason:
        reason = member_text(idea.status_reason, REASON_LIMIT)
        status = ctx.t("idea.status_with_reason", status=status, reason=reason)
    fields = [
        CardField(ctx.t("idea.field.status"), status, inline=True),
        CardField(ctx.t("idea.field.votes"), votes_text(ctx, idea), inline=True),
    ]
    if idea.category:
        fields.append(
            CardField(
                ctx.t("idea.field.category"),
                member_text(category_name(ctx, idea.category), 50),
                inline=True,
            )
        )
    fields.append(CardField(ctx.t("idea.field.author"), member_text(author, 50), inline=True))
    if idea.merged_into_id is not None:
        target = (await store.ideas_by_id(ctx.session, [idea.merged_into_id]))[idea.merged_into_id]
        fields.append(
            CardField(
                ctx.t("idea.field.merged"),
                ctx.t("idea.merged_value", number=target.number, title=title_text(target)),
            )
        )
    assert idea.id is not None
    volunteers = (await store.volunteer_counts(ctx.session, [idea.id])).get(idea.id, 0)
    testers = testers_text(ctx, idea, volunteers)
    if testers is not None:
        fields.append(CardField(ctx.t("idea.field.testers"), testers))
    return fields


async def idea_card(ctx: CommandContext, idea: Idea) -> Card:
    """The card posted in the ideas channel and kept up to date."""
    open_ = rules.accepts_votes(idea.status)
    return Card(
        kind="idea",
        title=ctx.t("idea.card_title", number=idea.number, title=title_text(idea)),
        body=paragraph(idea.description),
        fields=tuple(await summary_fields(ctx, idea)),
        buttons=buttons(ctx, idea),
        footer=ctx.t(
            "idea.card_footer" if open_ else "idea.card_footer_decided", number=idea.number
        ),
    )


async def card_updates(ctx: CommandContext, idea: Idea) -> list[UpdateCard]:
    """Replace the idea's card wherever it was posted."""
    card = await idea_card(ctx, idea)
    return await updates(ctx.session, ctx.community.id, card_ref(idea.number), card)


# -- /idea show -------------------------------------------------------------------------------


def history_line(
    ctx: CommandContext, event: IdeaEvent, actors: dict[int, str], others: dict[int, Idea]
) -> str:
    params = {
        "date": formatting.day(ctx.community.locale, ctx.community.local_day(event.at)),
        "actor": member_text(actors.get(event.actor_id, "?"), 50),
        "reason": member_text(event.reason or "", REASON_LIMIT),
    }
    if event.kind == "testers":
        plain = "" if event.reason else "_plain"
        return ctx.t(f"idea.history.testers_{event.to_value}{plain}", **params)
    params["old"] = status_label(ctx, event.from_value or "new")
    params["new"] = status_label(ctx, event.to_value)
    other = others.get(event.other_idea_id) if event.other_idea_id is not None else None
    if other is not None:
        return ctx.t("idea.history.merged", target=other.number, **params)
    return ctx.t("idea.history.status", **params)


async def detail_card(ctx: CommandContext, idea: Idea) -> Card:
    """Everything about one idea: text, status, counts, score, testers and history."""
    assert idea.id is not None
    fields = await summary_fields(ctx, idea)
    score = rules.wilson_lower_bound(idea.votes_for, idea.votes_against)
    fields.append(
        CardField(
            ctx.t("idea.field.score"),
            ctx.t("idea.score_value", score=formatting.decimal(ctx.community.locale, score)),
        )
    )
    if idea.testers == "none":
        fields.append(CardField(ctx.t("idea.field.testers"), ctx.t("idea.testers.none")))
    merged = await store.merged_into(ctx.session, idea.id)
    if merged:
        fields.append(
            CardField(ctx.t("idea.field.merged_here"), ", ".join(f"#{n}" for n in merged))
        )
    events = await store.history(ctx.session, idea.id)
    actors = await store.names(ctx.session, [e.actor_id for e in events] + [idea.author_id])
    others = await store.ideas_by_id(
        ctx.session, [e.other_idea_id for e in events if e.other_idea_id is not None]
    )
    lines = [
        ctx.t(
            "idea.history.submitted",
            date=formatting.day(ctx.community.locale, ctx.community.local_day(idea.created_at)),
            actor=member_text(actors.get(idea.author_id, "?"), 50),
        )
    ]
    lines += [history_line(ctx, event, actors, others) for event in events]
    fields.append(CardField(ctx.t("idea.field.history"), "\n".join(lines)))
    return Card(
        kind="idea_detail",
        title=ctx.t("idea.card_title", number=idea.number, title=title_text(idea)),
        body=paragraph(idea.description, 2000),
        fields=tuple(fields),
    )
