"""`/link` on the console (a platform of its own): the code is private and lasts ten
minutes; typed on the platform it came from, mistyped, or `remove` with nothing linked,
it is refused with a clear message and changes nothing."""

from __future__ import annotations

import re

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b")


async def test_a_console_code_is_private_and_only_works_elsewhere(console, db, snapshot):
    await console.play("alice: hello everyone")
    out = await console.play("alice: /link")
    shown = "\n".join(out)
    code = CODE.search(shown)
    assert code, shown
    assert "(only you)" in shown and "Within 10 minutes" in shown
    before = await snapshot(db)
    refused = "\n".join(
        await console.play(f"""
            alice: /link {code.group()}
            bob: /link {code.group()}
            alice: /link QQQQ-QQQQ
            alice: /link remove
        """)
    )
    assert refused.count("type it on the community's other platform") == 2
    assert "`QQQQ-QQQQ` is not a link code here" in refused
    assert "This account is not linked to another one" in refused
    assert await snapshot(db) == before


async def test_link_answers_in_french(french):
    out = "\n".join(await french.play("alice: /link ZZZZ-ZZZZ"))
    assert "`ZZZZ-ZZZZ` n'est pas un code de liaison ici" in out
