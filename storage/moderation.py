"""The queries behind moderation: who is on the team, warnings and their withdrawal,
reports of messages and the one open card each, and erasing what names a forgotten member.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignore
from storage.models import Member, MemberRole
from storage.models.moderation import (
    MemberWarning,
    MessageReport,
    ReportVoice,
    SeenModerator,
    WelcomeStep,
)

# -- the team ---------------------------------------------------------------------------


async def saw_moderator(
    session: AsyncSession, community_id: int, member_id: int, present: bool, at: datetime
) -> None:
    """Remember (or forget) that the platform shows this member as a moderator."""
    table = SeenModerator.__table__
    if present:
        await session.execute(
            insert_ignore(session, table, ("community_id", "member_id")).values(
                community_id=community_id, member_id=member_id, at=at
            )
        )
    elif await is_seen_moderator(session, community_id, member_id):
        # Looked up first: most members never were one, and a command that only reads
        # then writes nothing (`Database.reading`).
        await session.execute(
            delete(SeenModerator).where(
                SeenModerator.community_id == community_id, SeenModerator.member_id == member_id
            )
        )


# Built once: every command asks it of its caller.
_SEEN_MODERATOR = select(SeenModerator.member_id).where(
    SeenModerator.community_id == bindparam("community_id"),
    SeenModerator.member_id == bindparam("member_id"),
)


async def is_seen_moderator(session: AsyncSession, community_id: int, member_id: int) -> bool:
    bound = {"community_id": community_id, "member_id": member_id}
    return await session.scalar(_SEEN_MODERATOR, bound) is not None


async def seen_moderators(session: AsyncSession, community_id: int) -> list[Member]:
    rows = await session.scalars(
        select(Member)
        .join(SeenModerator, SeenModerator.member_id == Member.id)
        .where(SeenModerator.community_id == community_id, Member.left_at.is_(None))
        .order_by(func.lower(Member.display_name))
    )
    return list(rows.all())


async def members_with_roles(
    session: AsyncSession, community_id: int, roles: Collection[str]
) -> list[tuple[str, Member]]:
    """(role, member) for each present member holding one of `roles` (any case)."""
    if not roles:
        return []
    wanted = [r.lower() for r in roles]
    rows = await session.execute(
        select(func.lower(MemberRole.role), Member)
        .join(Member, Member.id == MemberRole.member_id)
        .where(
            Member.community_id == community_id,
            Member.left_at.is_(None),
            Member.is_bot.is_(False),
            func.lower(MemberRole.role).in_(wanted),
        )
        .order_by(func.lower(Member.display_name))
    )
    return [(role, member) for role, member in rows.all()]


# -- warnings -----------------------------------------------------------------------------


async def active_warnings(
    session: AsyncSession, community_id: int, member_id: int, since: datetime
) -> list[MemberWarning]:
    """The member's warnings not withdrawn, given at `since` or later, oldest first."""
    rows = await session.scalars(
        select(MemberWarning)
        .where(
            MemberWarning.community_id == community_id,
            MemberWarning.member_id == member_id,
            MemberWarning.withdrawn_at.is_(None),
            MemberWarning.at >= since,
        )
        .order_by(MemberWarning.at, MemberWarning.id)
    )
    return list(rows.all())


async def all_warnings(
    session: AsyncSession, community_id: int, member_id: int
) -> list[MemberWarning]:
    """Every warning of the member, withdrawn ones too, newest first."""
    rows = await session.scalars(
        select(MemberWarning)
        .where(MemberWarning.community_id == community_id, MemberWarning.member_id == member_id)
        .order_by(MemberWarning.at.desc(), MemberWarning.id.desc())
    )
    return list(rows.all())


async def add_warning(session: AsyncSession, warning: MemberWarning) -> MemberWarning:
    session.add(warning)
    await session.flush()
    return warning


async def withdraw(session: AsyncSession, warning: MemberWarning, at: datetime) -> None:
    warning.withdrawn_at = at
    session.add(warning)
    await session.flush()


async def names(session: AsyncSession, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Member.id, Member.display_name).where(Member.id.in_(list(ids)))
    )
    return {member_id: name for member_id, name in rows.all()}


# -- reports ------------------------------------------------------------------------------


def open_key(platform: str, message_id: str) -> str:
    return f"{platform}:{message_id}"


async def open_report(
    session: AsyncSession, community_id: int, platform: str, message_id: str
) -> MessageReport | None:
    return await session.scalar(
        select(MessageReport).where(
            MessageReport.community_id == community_id,
            MessageReport.open_key == open_key(platform, message_id),
        )
    )


async def report(session: AsyncSession, community_id: int, report_id: int) -> MessageReport | None:
    found = await session.get(MessageReport, report_id)
    return found if found is not None and found.community_id == community_id else None


async def create_report(session: AsyncSession, report: MessageReport) -> MessageReport:
    session.add(report)
    await session.flush()
    return report


async def add_voice(
    session: AsyncSession, report_id: int, member_id: int, reason: str, at: datetime
) -> bool:
    """Count the member's report once; False if they had already reported the message."""
    result = await session.execute(
        insert_ignore(session, ReportVoice.__table__, ("report_id", "member_id")).values(
            report_id=report_id, member_id=member_id, reason=reason, at=at
        )
    )
    return bool(result.rowcount)


async def voices(session: AsyncSession, report_id: int) -> list[ReportVoice]:
    rows = await session.scalars(
        select(ReportVoice).where(ReportVoice.report_id == report_id).order_by(ReportVoice.at)
    )
    return list(rows.all())


async def close_report(
    session: AsyncSession, report: MessageReport, status: str, by: int, at: datetime
) -> None:
    report.status, report.closed_by, report.closed_at, report.open_key = status, by, at, None
    session.add(report)
    await session.flush()


# -- the welcome checklist -----------------------------------------------------------------


async def present_members(session: AsyncSession, community_id: int) -> int:
    """How many people (not bots) are in the community now."""
    count = await session.scalar(
        select(func.count(Member.id)).where(
            Member.community_id == community_id,
            Member.is_bot.is_(False),
            Member.left_at.is_(None),
        )
    )
    return int(count or 0)


async def start_checklist(
    session: AsyncSession, community_id: int, member_id: int, steps: Collection[str]
) -> bool:
    """Give the member their checklist; False if they already had one (welcomed before)."""
    known = await session.scalar(
        select(func.count()).where(
            WelcomeStep.community_id == community_id, WelcomeStep.member_id == member_id
        )
    )
    if known:
        return False
    for step in steps:
        session.add(WelcomeStep(community_id=community_id, member_id=member_id, step=step))
    await session.flush()
    return True


async def pending_steps(
    session: AsyncSession, community_id: int, member_ids: Collection[int]
) -> dict[int, set[str]]:
    """The steps each of these members still has to do (members with none are left out)."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(WelcomeStep.member_id, WelcomeStep.step).where(
            WelcomeStep.community_id == community_id,
            WelcomeStep.member_id.in_(list(member_ids)),
            WelcomeStep.done_at.is_(None),
        )
    )
    pending: dict[int, set[str]] = {}
    for member_id, step in rows.all():
        pending.setdefault(member_id, set()).add(step)
    return pending


async def complete_steps(
    session: AsyncSession, community_id: int, member_id: int, steps: Collection[str], at: datetime
) -> None:
    await session.execute(
        update(WelcomeStep)
        .where(
            WelcomeStep.community_id == community_id,
            WelcomeStep.member_id == member_id,
            WelcomeStep.step.in_(list(steps)),
            WelcomeStep.done_at.is_(None),
        )
        .values(done_at=at)
    )


# -- privacy --------------------------------------------------------------------------------


async def warnings_export(session: AsyncSession, member_id: int) -> list[dict[str, object]]:
    """The member's warnings for their own data export (the moderator stays unnamed)."""
    rows = await session.scalars(
        select(MemberWarning).where(MemberWarning.member_id == member_id).order_by(MemberWarning.at)
    )
    return [
        {
            "rule": w.rule,
            "reason": w.reason,
            "at": w.at.isoformat(),
            "withdrawn_at": w.withdrawn_at.isoformat() if w.withdrawn_at else None,
        }
        for w in rows.all()
    ]


async def forget(session: AsyncSession, member_id: int) -> None:
    """Erase the reasons written about or by the member, and their moderator sightings."""
    await session.execute(
        update(MemberWarning)
        .where(or_(MemberWarning.member_id == member_id, MemberWarning.actor_id == member_id))
        .values(reason="")
    )
    await session.execute(
        update(ReportVoice).where(ReportVoice.member_id == member_id).values(reason="")
    )
    reported = select(MessageReport.id).where(MessageReport.author_id == member_id)
    await session.execute(
        update(ReportVoice).where(ReportVoice.report_id.in_(reported)).values(reason="")
    )
    await session.execute(delete(SeenModerator).where(SeenModerator.member_id == member_id))
    await session.execute(delete(WelcomeStep).where(WelcomeStep.member_id == member_id))
