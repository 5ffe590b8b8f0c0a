"""kill -9 of the real bot process in the middle of a burst: nothing it fetched is lost."""

from __future__ import annotations

import pytest

from tests.crash_burst import one_round


@pytest.mark.parametrize("delay", [0.05, 0.3])
async def test_a_kill_during_a_burst_loses_no_fetched_report(tmp_path, delay):
    r = await one_round(tmp_path, reports=150, delay=delay)
    print(r)
    assert r.fetched_before_kill >= 100  # the kill came after a batch was handed out ...
    assert r.recorded_before_kill < r.sent  # ... and before it was all handled
    assert r.recorded == r.sent and r.duplicates == 0  # every report exactly once
    assert r.answered + r.already_noted >= r.sent  # and every one answered
