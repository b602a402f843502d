"""`cercle demo`: a realistic community week, played through the console and the real core.

A few hundred members whose activity follows the 90-9-1 rule (most read, some contribute
now and then, a few contribute most) post, reply, react, thank each other and mark
solutions over seven days; they propose ideas and vote on them, and answer a moderator's
poll. The script is generated from a seeded random generator, so the same seed gives the
same week; it is fed to the console adapter like any script, into a fresh SQLite file,
and the demo prints the leaderboards, the weekly digest, the promotions and badges the
week caused, where the digest's chart is saved, and where the database is.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from adapters.console.session import ConsoleSession
from bot.actions import Action, PostToChannel

FIRST_NAMES = [
    "amelie",
    "alex",
    "bruno",
    "chloe",
    "camille",
    "david",
    "diane",
    "emma",
    "ethan",
    "farah",
    "felix",
    "gabriel",
    "hana",
    "hugo",
    "ines",
    "ivan",
    "jade",
    "jules",
    "kenji",
    "lea",
    "leo",
    "lina",
    "lucas",
    "maya",
    "mehdi",
    "mila",
    "nadia",
    "noah",
    "nora",
    "olga",
    "oscar",
    "paul",
    "priya",
    "quentin",
    "rosa",
    "ruben",
    "sacha",
    "sofia",
    "tariq",
    "theo",
    "uma",
    "victor",
    "wendy",
    "xavier",
    "yara",
    "yann",
    "zoe",
]

QUESTIONS = (
    "How do I export my dashboards to PDF?",
    "Is there a way to bulk-invite users from a CSV file?",
    "Why does the sync job fail after the last update?",
    "Can I connect the API with a read-only token?",
    "What is the best way to archive old projects?",
    "Has anyone set up SSO with Okta successfully?",
    "Where do I change the default time zone for reports?",
)
ANSWERS = (
    "You can do it from Settings > Export, it takes a minute.",
    "I had the same issue, clearing the cache fixed it for me.",
    "Yes, use a service account and give it the viewer role only.",
    "There is a guide in the docs, section Administration, step 3.",
    "Try the beta connector, it handles that case much better.",
)
CHATTER = (
    "Good morning everyone, happy to be here!",
    "Just shipped our first workflow with the new builder, love it.",
    "Does anyone else use the mobile app for approvals?",
    "The webinar yesterday was really useful, thanks to the team.",
    "We are migrating 40 users next week, wish us luck.",
    "Quick tip: keyboard shortcut g then d opens the dashboard.",
    "The new release notes look great, especially the audit log.",
    "ok",
    "+1",
)
IDEAS = (
    ("Scheduled PDF exports", "Send a dashboard as a PDF to a mailing list every Monday"),
    ("Dark mode for the web app", "A dark theme for people who work late"),
)
POLL = ("Which integration should we build next?", ("Jira", "Salesforce", "HubSpot"))
THANKS = (
    "for the clear answer",
    "for the great tip",
    "for helping me debug the sync",
    "for the onboarding help",
)


# Who runs the demo's community, there before anyone joins: a moderator, a staff member
# (whose role earns no points) and a bot.
MODERATOR, STAFF, BOT = "nora", "sam", "helper"
CAST = (MODERATOR, STAFF, BOT)


@dataclass
class Person:
    name: str
    tier: str  # core | occasional | lurker
    weight: float


@dataclass
class DemoWeek:
    """A generated week of community life, as console script lines."""

    seed: int
    members: int = 300
    days: int = 7
    people: list[Person] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.people = self._population()

    def _population(self) -> list[Person]:
        # The cast (the moderator, the staff member, the bot) are never among the members
        # who join: each person is counted once, in one role.
        rounds = max(10, self.members // len(FIRST_NAMES) + 2)
        names = [
            name
            for n in range(rounds)
            for first in FIRST_NAMES
            if (name := f"{first}{n}" if n else first) not in CAST
        ]
        self.rng.shuffle(names)
        core = max(1, round(self.members * 0.01))
        occasional = max(1, round(self.members * 0.09))
        people = []
        for index, name in enumerate(names[: self.members]):
            if index < core:
                people.append(Person(name, "core", 30.0))
            elif index < core + occasional:
                people.append(Person(name, "occasional", 2.0))
            else:
                people.append(Person(name, "lurker", 0.05))
        return people

    def pick(self, tiers: tuple[str, ...] = ("core", "occasional", "lurker")) -> Person:
        pool = [p for p in self.people if p.tier in tiers]
        return self.rng.choices(pool, weights=[p.weight for p in pool])[0]

    def lines(self, last_number: Callable[[], int]) -> Iterator[str]:
        """The script, line by line; `last_number()` gives the number of the last message
        shown (the console numbers Cercle's own posts too, so the week asks, not guesses)."""
        rng = self.rng
        yield "# A week in the Acme user community, generated by `cercle demo`."
        yield "nora is moderator"
        yield "sam has role staff"
        yield "helper is a bot"
        yield "nora: /admin exclude role staff"
        for person in self.people:
            yield f"{person.name} joins"
        yield "in #general"
        yield "nora: Welcome to the community! Ask in #help, share in #general."
        recent: list[tuple[int, str]] = [(last_number(), "nora")]
        questions: list[tuple[int, str]] = []
        voted: set[tuple[str, str]] = set()  # (member, idea or poll) already voted
        for _day in range(self.days):
            for _hour in range(12):  # active hours of the day
                yield from self._ideas_and_poll(_day, _hour, voted)
                for _ in range(rng.choices(range(4, 12), k=1)[0]):
                    yield from self._moment(recent, questions, last_number)
                yield "after 1h"
            if _day < self.days - 1:
                yield "after 12h"
        yield "helper: Reminder: the community call is on Thursday."
        yield "sam: Thanks all for a great week — the team reads every thread."

    def _ideas_and_poll(self, day: int, hour: int, voted: set[tuple[str, str]]) -> Iterator[str]:
        """Two ideas on the first morning, a moderator's poll on the second (closing after
        four days), votes and ballots spread over the week, and a status on the sixth."""
        rng = self.rng
        if (day, hour) == (0, 1):
            for person, (title, description) in zip(self.people, IDEAS, strict=False):
                yield f'{person.name}: /idea submit "{title}" "{description}" feature'
        if (day, hour) == (1, 0):
            question, options = POLL
            yield f'nora: /poll create "{question}" options="{"|".join(options)}" duration=4d'
        if (day, hour) == (5, 2):
            yield "nora: /admin idea status 1 planned Scheduled for the spring release"
        if day < 5 and hour % 3 == 2:
            for _ in range(rng.randint(1, 4)):
                voter = self.pick()
                idea = rng.choice(("1", "2"))
                if (
                    voter.name not in {p.name for p in self.people[:2]}
                    and (
                        voter.name,
                        idea,
                    )
                    not in voted
                ):
                    voted.add((voter.name, idea))
                    choice = "for" if rng.random() < 0.8 else "against"
                    yield f"{voter.name}: /idea vote {idea} {choice}"
        if 1 <= day < 5 and hour % 2 == 1:
            for _ in range(rng.randint(1, 3)):
                voter = self.pick()
                if (voter.name, "poll") not in voted:
                    voted.add((voter.name, "poll"))
                    option = rng.choices(POLL[1], weights=(5, 3, 2))[0]
                    yield f"{voter.name}: /poll vote 1 {option}"

    def _moment(
        self,
        recent: list[tuple[int, str]],
        questions: list[tuple[int, str]],
        last_number: Callable[[], int],
    ) -> Iterator[str]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            asker = self.pick(("core", "occasional"))
            yield "in #help"
            yield f"{asker.name}: {rng.choice(QUESTIONS)}"
            questions.append((last_number(), asker.name))
            recent.append(questions[-1])
        elif roll < 0.35 and questions:
            question, asker = questions[-rng.randint(1, min(3, len(questions)))]
            helper = self.pick(("core", "occasional"))
            if helper.name == asker:
                return
            yield f"{helper.name} replies to {question}: {rng.choice(ANSWERS)}"
            answer = last_number()
            recent.append((answer, helper.name))
            if rng.random() < 0.5:
                yield f"{asker} marks {answer} as solution"
                yield f"{asker}: /thanks @{helper.name} {rng.choice(THANKS)}"
                questions.remove((question, asker))
        elif roll < 0.75:
            person = self.pick()
            yield "in #general"
            yield f"{person.name}: {rng.choice(CHATTER)}"
            recent.append((last_number(), person.name))
        else:
            target, author = rng.choice(recent[-20:])
            for _ in range(rng.randint(1, 4)):
                fan = self.pick()
                if fan.name != author:
                    yield f"{fan.name} reacts {target} :{rng.choice(('+1', 'heart', 'tada'))}:"
        del recent[:-50]


@dataclass
class DemoReport:
    lines: int
    errors: int
    promotions: list[str]
    badges: list[str]
    transcript: list[str]


async def play_week(session: ConsoleSession, week: DemoWeek) -> DemoReport:
    """Feed the generated week to a started console session and collect what it caused."""
    promotions: list[str] = []
    badges: list[str] = []
    transcript: list[str] = []

    def seen(action: Action) -> None:
        card = getattr(action, "card", None)
        if isinstance(action, PostToChannel) and card is not None:
            if card.kind == "promotion":
                promotions.append(card.title)
            elif card.kind == "badge":
                badges.append(card.title)

    session.emit = transcript.append
    session.on_action = seen
    count = 0
    for line in week.lines(lambda: session.state.next_number - 1):
        count += 1
        await session.feed(line)
    await session.finish()
    return DemoReport(count, session.errors, promotions, badges, transcript)
