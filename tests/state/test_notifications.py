"""The sent-ledger in the state database: a trigger is planned once; deliveries are due oldest first; a claim
is exclusive even between processes; failures keep their error; a crash leaves 'interrupted', never resent."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.notifications import Delivery

from .conftest import finish

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)


def _delivery(address: str, channel: str = "email") -> Delivery:
    return Delivery(trigger_id="", channel=channel, address=address, kind="", title="【重大】渠县二中", body="正文")


def test_a_trigger_is_planned_once(state):
    ledger = state.notifications
    assert ledger.plan("alert:a1", "alert_major", "【重大】", [_delivery("a@qx"), _delivery("hook", "wecom")], NOW)
    assert not ledger.plan("alert:a1", "alert_major", "【重大】", [_delivery("c@qx")], NOW + timedelta(hours=1))
    assert ledger.is_planned("alert:a1") and not ledger.is_planned("alert:a2")
    assert ledger.planned_triggers() == 1
    due = ledger.due(NOW)
    assert {(d.channel, d.address) for d in due} == {("email", "a@qx"), ("wecom", "hook")}
    assert all(d.status == "pending" and d.attempts == 0 and d.kind == "alert_major" and d.trigger_id == "alert:a1"
               and d.created_at == NOW and d.next_attempt_at == NOW for d in due)
    assert ledger.due(NOW - timedelta(seconds=1)) == []


def test_due_is_oldest_first_and_deliveries_newest_first(state):
    ledger = state.notifications
    for hours, trigger in enumerate(("t1", "t2", "t3")):
        ledger.plan(trigger, "clock_overdue", trigger, [_delivery("a@qx")], NOW + timedelta(hours=hours))
    later = NOW + timedelta(hours=5)
    assert [d.trigger_id for d in ledger.due(later)] == ["t1", "t2", "t3"]
    assert [d.trigger_id for d in ledger.due(later, limit=2)] == ["t1", "t2"]
    assert [d.trigger_id for d in ledger.deliveries()] == ["t3", "t2", "t1"]
    assert [d.trigger_id for d in ledger.deliveries(trigger_id="t2")] == ["t2"]


def test_sending_sent_failed_and_interrupted(state):
    ledger = state.notifications
    ledger.plan("t1", "alert_major", "t", [_delivery("a@qx"), _delivery("b@qx"), _delivery("c@qx")], NOW)
    a, b, c = sorted(ledger.due(NOW), key=lambda d: d.address)
    assert ledger.mark_sending(a) and not ledger.mark_sending(a)             # claimed once
    ledger.mark_sent(a, NOW + timedelta(minutes=1))
    assert ledger.mark_sending(b)
    ledger.mark_failed(b, "SMTP 451 " + "x" * 600, NOW + timedelta(minutes=5))
    assert ledger.due(NOW + timedelta(minutes=4)) == [c]                     # b waits for its retry
    [retry] = [d for d in ledger.due(NOW + timedelta(minutes=5)) if d.address == "b@qx"]
    assert retry.attempts == 1 and retry.last_error.startswith("SMTP 451") and len(retry.last_error) == 500
    assert ledger.mark_sending(retry)
    ledger.mark_failed(retry, "refused", None)                              # failed for good
    assert ledger.mark_sending(c)                                            # ...and the process dies here
    assert ledger.recover_interrupted() == 1 and ledger.recover_interrupted() == 0
    by_address = {d.address: d for d in ledger.deliveries()}
    assert by_address["a@qx"].status == "sent" and by_address["a@qx"].sent_at == NOW + timedelta(minutes=1)
    assert (by_address["b@qx"].status, by_address["b@qx"].attempts, by_address["b@qx"].last_error) == (
        "failed", 2, "refused")
    assert by_address["c@qx"].status == "interrupted" and "未再发送" in by_address["c@qx"].last_error
    assert ledger.due(NOW + timedelta(days=1)) == []
    assert [d.address for d in ledger.deliveries(statuses=["failed", "interrupted"])] == ["b@qx", "c@qx"]


def test_two_processes_claiming_the_same_deliveries_get_each_one_once(target):
    state = target.open()
    try:
        state.notifications.plan("t1", "alert_major", "t", [_delivery(f"p{i}@qx") for i in range(40)], NOW)
    finally:
        state.close()
    body = """
        ledger = state.notifications
        due = sorted(ledger.due(datetime.now(timezone.utc)), key=lambda d: d.address)
        print(json.dumps([d.address for d in due if ledger.mark_sending(d)]))
    """
    body = "from datetime import datetime, timezone\n" + body.replace("\n        ", "\n")
    processes = [target.spawn(body) for _ in range(2)]
    claims = [finish(p)[0] for p in processes]
    assert sorted(claims[0] + claims[1]) == sorted(f"p{i}@qx" for i in range(40))   # each exactly once
