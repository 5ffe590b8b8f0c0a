"""Issue 22, item 1: COORDINATOR_IDS alone decides who coordinates. A coordinator taken off the
list keeps no rights after a restart and is told no more than a stranger."""

from __future__ import annotations

import json

from bot.domain.access import Role
from bot.services.directory import actor, get_member, sync_coordinators
from tests.conftest import COORDINATOR, at
from tests.reliability import probe_rights


async def test_a_coordinator_taken_off_the_list_is_a_stranger_after_a_restart(tmp_path):
    figures = await probe_rights(tmp_path)
    assert figures.attempted == 5 and figures.granted == 0, figures.detail
    assert not figures.closed_directly and not figures.ledger_sent
    assert figures.whoami_like_stranger, figures.detail["/whoami"]
    assert figures.audit_rows == 2  # made coordinator at the first start, removed at the second


def test_the_members_table_is_brought_in_line_and_audited_once(seeded):
    now = at("2022-02-01")
    made, removed = sync_coordinators(seeded, frozenset({2000}), now=now)
    assert (made, removed) == ([2000], [COORDINATOR])
    assert get_member(seeded, COORDINATOR)["status"] == "removed"
    assert actor(seeded, COORDINATOR).role is Role.STRANGER  # rows alone now agree
    assert actor(seeded, 2000).role is Role.COORDINATOR
    rows = list(seeded.query("SELECT action, detail FROM audit WHERE actor = 'config' "
                             "AND entity_id = ?", [str(COORDINATOR)]))
    assert [r["action"] for r in rows] == ["member.remove"]
    assert json.loads(rows[0]["detail"])["reason"] == "not in COORDINATOR_IDS"
    before = seeded["audit"].count
    assert sync_coordinators(seeded, frozenset({2000}), now=now) == ([], [])
    assert seeded["audit"].count == before  # nothing changed, nothing audited
    # listed again: a coordinator again
    assert sync_coordinators(seeded, frozenset({2000, COORDINATOR}), now=now) == (
        [COORDINATOR], [])
    assert actor(seeded, COORDINATOR, frozenset({2000, COORDINATOR})).role is Role.COORDINATOR
