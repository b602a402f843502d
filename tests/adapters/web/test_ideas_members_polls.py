"""The ideas board, a member's page and a closed poll's page, as a reader sees them, and
their JSON twins: hidden members are never named and have no page; an open poll has none."""

from __future__ import annotations

IDEAS = """
    bob: /idea submit "Dark mode" "Easier on the eyes at night"
    nora: /idea submit "Offline sync" "Work on the train"
    carol: /idea vote 1 for
    dave: /idea vote 1 for
    erin: /idea vote 1 against
    alice: /admin idea status 1 planned Scheduled for spring
"""
POLL = """
    alice: /poll create "What first?" options="Dark mode|Export|SSO" mode=ranked duration=2d
    bob: /poll vote 1 Export>SSO
    carol: /poll vote 1 SSO
    dave: /poll vote 1 Dark mode>Export
    erin: /poll vote 1 Export
"""


async def test_the_ideas_board_shows_ideas_by_status_with_votes_and_history(client, console):
    await console.play(IDEAS)
    response = await client.get("/c/test/ideas")
    assert response.status == 200
    html = await response.text()
    planned, new = html.index('id="planned"'), html.index('id="new"')
    assert new < planned  # statuses in their lifecycle order
    assert "#1 Dark mode" in html[planned:] and "#2 Offline sync" in html[new:planned]
    assert "▲ 2" in html and "▼ 1" in html
    assert "Scheduled for spring" in html
    assert "alice: New → Planned — Scheduled for spring" in html
    assert "a member: submitted" in html  # nora chose to be hidden: never named
    assert "nora" not in html
    body = await (await client.get("/api/c/test/ideas")).json()
    planned_json = next(s for s in body["statuses"] if s["status"] == "planned")
    assert [(i["number"], i["votes_for"]) for i in planned_json["ideas"]] == [(1, 2)]


async def test_a_member_page_shows_their_profile_and_a_hidden_member_has_none(client):
    response = await client.get("/c/test/members/bob")
    assert response.status == 200
    html = await response.text()
    assert "<h1>bob</h1>" in html and "#1 all time" in html and "Newcomer" in html
    assert "50 points" in html
    assert (await client.get("/c/test/members/nora")).status == 404
    assert (await client.get("/c/test/members/mallory")).status == 404
    assert (await client.get("/api/c/test/members/nora")).status == 404
    bob = await (await client.get("/api/c/test/members/bob")).json()
    assert (bob["points"]["all"], bob["place"]) == (50, 1)


async def test_the_leaderboard_links_each_name_to_its_page(client):
    html = await (await client.get("/c/test")).text()
    assert 'href="/c/test/members/bob"' in html


async def test_a_closed_ranked_poll_shows_its_rounds_drawn(client, console):
    await console.play(POLL)
    assert (await client.get("/c/test/polls/1")).status == 404  # still open
    await console.play("after 3d")
    response = await client.get("/c/test/polls/1")
    assert response.status == 200
    html = await response.text()
    assert "Results of poll #1: What first?" in html
    assert '<img src="data:image/svg+xml;base64,' in html
    assert "Export wins" in html
    body = await (await client.get("/api/c/test/polls/1")).json()
    assert len(body["rounds"]) >= 2
    assert body["rounds"][0]["votes"] == {"Dark mode": 1, "Export": 2, "SSO": 1}
