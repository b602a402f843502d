"""How poll options are written on the command line: an empty one (`A||B`) is refused
rather than dropped, and `\\|` keeps a bar inside an option."""

from __future__ import annotations


async def test_an_empty_option_is_refused_and_an_escaped_bar_is_kept(console):
    out = "\n".join(await console.play('alice: /poll create "Which?" options="A||B"'))
    assert "`options` has an empty item in `A||B`" in out
    assert "📊" not in out  # no poll was created
    out = "\n".join(await console.play(r'alice: /poll create "Which?" options="Rock \| Pop|Jazz"'))
    assert "[ Rock | Pop ] [ Jazz ]" in out
