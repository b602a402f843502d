async def test_thanks_gives_points_visible_in_rank(console):
    out = await console.play("""
        alice: hello everyone, glad to be here
        bob: /thanks @alice for the warm welcome
        alice: /rank
    """)
    text = "\n".join(out)
    assert "[1] #general alice: hello everyone" in text
    assert "bob thanked alice" in text
    assert "6 points" in text  # 1 for the message, 5 for the kudos
