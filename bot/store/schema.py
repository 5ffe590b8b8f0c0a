"""The schema of the SQLite file, evolved with sqlite-utils' Migrations (applied by
bot.store.connection.connect)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("duban")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("departments").create(
        {
            "code": str,
            "name": str,
            "short": str,
            "name_en": str,
            "aliases": str,  # JSON list
            "position": int,
            "archived_at": str,
        },
        pk="code",
        not_null={"name", "short", "name_en"},
    )
    db.table("tasks").create(
        {
            "id": str,
            "dept": str,
            "with_depts": str,  # JSON list of department codes
            "title": str,
            "title_en": str,
            "clause": str,
            "quote": str,  # JSON list of verbatim excerpts of the plan
            "kind": str,  # milestone | target | recurring | standing
            "start": str,  # ISO date
            "due": str,  # ISO date, milestones and targets
            "recurrence": str,  # JSON, recurring tasks
            "target_value": float,
            "target_unit": str,
            "target_metric": str,
            "note": str,
            "position": int,
            "archived_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"dept", "title", "clause", "kind", "start"},
        foreign_keys=[("dept", "departments", "code")],
    )
    db.table("members").create(
        {
            "user_id": int,
            "dept": str,
            "role": str,  # liaison | coordinator
            "status": str,  # active | pending | refused | removed | visitor (only chose a language)
            "name": str,
            "username": str,
            "lang": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="user_id",
        not_null={"role", "status"},
        foreign_keys=[("dept", "departments", "code")],
    )
    db.table("reports").create(
        {
            "id": int,
            "task_id": str,
            "period": str,  # due date of the occurrence for recurring tasks, else ""
            "kind": str,  # progress | close | reopen
            "percent": int,
            "state": str,  # not_started | in_progress | done | blocked
            "value": float,
            "note": str,
            "user_id": int,
            "dept": str,
            "at": str,  # UTC ISO timestamp
            "source": str,  # telegram | cli
            "update_key": str,  # the update that carried it; unique so a replay records nothing
            "revoked_at": str,
            "revoked_by": int,
        },
        pk="id",
        not_null={"task_id", "period", "kind", "at"},
        defaults={"period": ""},
        foreign_keys=[("task_id", "tasks", "id")],
    )
    db.table("reports").create_index(["task_id", "period", "id"])
    db.table("reports").create_index(["update_key"], unique=True)
    db.table("reports").create_index(["user_id", "id"])
    db.table("evidence").create(
        {
            "id": int,
            "task_id": str,
            "report_id": int,
            "file_id": str,
            "file_unique_id": str,
            "kind": str,  # photo | document
            "file_name": str,
            "mime_type": str,
            "size": int,
            "sha256": str,
            "path": str,
            "caption": str,
            "user_id": int,
            "at": str,
            "update_key": str,
        },
        pk="id",
        not_null={"task_id", "file_id", "file_unique_id", "kind", "at"},
        foreign_keys=[("task_id", "tasks", "id"), ("report_id", "reports", "id")],
    )
    db.table("evidence").create_index(["task_id", "file_unique_id"], unique=True)
    db.table("outbox").create(
        {
            "id": int,
            "key": str,  # e.g. nudge:T01:2022-06-30:-7, unique so nothing is sent twice
            "kind": str,
            "chat_id": int,
            "payload": str,  # JSON
            "due_at": str,
            "created_at": str,
            "sent_at": str,
            "attempts": int,
            "last_error": str,
        },
        pk="id",
        not_null={"key", "kind", "created_at"},
        defaults={"attempts": 0},
    )
    db.table("outbox").create_index(["key"], unique=True)
    db.table("audit").create(
        {
            "id": int,
            "at": str,
            "actor": str,  # Telegram user id, "cli" or "seed"
            "action": str,
            "entity": str,
            "entity_id": str,
            "detail": str,  # JSON
        },
        pk="id",
        not_null={"at", "actor", "action"},
    )
    db.table("audit").create_index(["entity", "entity_id"])
    db.table("meta").create({"key": str, "value": str}, pk="key")  # the plan's title, document number


@migrations()
def m002_deadline_set_in_chat(db: Database) -> None:
    # A deadline the coordinator sets with /deadline wins over the plan file's, so re-seeding
    # never silently undoes a decision taken in the group.
    db.table("tasks").add_column("due_set", str)


@migrations()
def m003_mute_and_snapshots(db: Database) -> None:
    # /mute pauses a task's nudges until this day (inclusive).
    db.table("tasks").add_column("muted_until", str)


@migrations()
def m004_latest_report_per_task(db: Database) -> None:
    # The newest valid report of each (task, period), kept up to date on every write, so /status
    # reads one row per task however many years of reports pile up behind it.
    db.table("task_latest").create({"task_id": str, "period": str, "report_id": int},
                             pk=("task_id", "period"),
                             foreign_keys=[("report_id", "reports", "id")])
    db.execute(
        "INSERT INTO task_latest (task_id, period, report_id) SELECT task_id, period, max(id) "
        "FROM reports WHERE revoked_at IS NULL GROUP BY task_id, period")


@migrations()
def m005_completion_snapshots(db: Database) -> None:
    # The plan's completion at the end of past days, computed once from history and kept, so the
    # digest's trend line does not rescan years of reports every week.
    db.table("snapshots").create({"day": str, "completion": float}, pk="day")


@migrations()
def m006_catalogue_version(db: Database) -> None:
    # A counter bumped by triggers on every change to departments or tasks: readers keep their
    # copy of those rows until it moves (they change on seeding and /deadline, not on reports).
    db.table("meta").upsert({"key": "catalogue_version", "value": "0"}, pk="key")
    bump = ("UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
            "WHERE key = 'catalogue_version';")
    for table in ("departments", "tasks"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(f"CREATE TRIGGER {table}_{event.lower()}_version AFTER {event} ON {table} "
                       f"BEGIN {bump} END")


@migrations()
def m007_prompts(db: Database) -> None:
    # Questions the bot is waiting on (the guided /report, the reason for 退回), so an answer
    # typed after a restart still finds its question, and an answer to a closed one is told so.
    db.table("prompts").create({
        "id": int, "chat_id": int, "user_id": int, "kind": str, "step": str, "data": str,
        "created_at": str, "updated_at": str, "closed_at": str, "outcome": str,
    }, pk="id", not_null={"chat_id", "user_id", "kind", "step", "created_at", "updated_at"})
    db.table("prompts").create_index(["chat_id", "user_id", "kind", "closed_at"])
    db.table("prompt_messages").create({"chat_id": int, "message_id": int, "prompt_id": int},
                                 pk=("chat_id", "message_id"),
                                 foreign_keys=[("prompt_id", "prompts", "id")])


@migrations()
def m008_lifecycle(db: Database) -> None:
    # Each record of a task keeps the lifecycle state after it (bot.domain.lifecycle) and what the
    # state carries (a pending extension, the state before 中止, a reason); older records are
    # read by what they say. Notices (交办单, 督办单) wait for their 签收.
    db.table("reports").add_column("lifecycle", str)
    db.table("reports").add_column("data", str)
    db.table("notices").create({
        "id": int, "kind": str, "dept": str, "tasks": str, "colour": str, "at": str,
        "by": int, "chat_id": int, "message_id": int, "acked_at": str, "acked_by": int,
        "ack_late_told_at": str,
    }, pk="id", not_null={"kind", "dept", "tasks", "at"})
    db.table("notices").create_index(["dept", "acked_at"])


@migrations()
def m009_inbox_updates(db: Database) -> None:
    # Every update from Telegram, kept before it is confirmed and marked when handled (bot/store/inbox.py).
    db.table("inbox").create({"update_id": int, "received_at": str, "payload": str, "done_at": str},
                       pk="update_id", not_null={"received_at", "payload"})
    db.table("inbox").create_index(["done_at"])


@migrations()
def m010_unit_quotas(db: Database) -> None:
    # 任务分解: a numeric target split into county-level units' quotas (JSON {unit: quota}), and
    # a report of one unit's value. The report's `value` stays the city figure (the sum of every
    # unit's newest value), so every existing reader keeps seeing the city's number.
    db.table("tasks").add_column("unit_quotas", str)
    db.table("reports").add_column("unit", str)
    db.table("reports").add_column("unit_value", float)


@migrations()
def m011_deadline_history_and_tracking(db: Database) -> None:
    # When each task entered the plan: the facts of a past day leave out tasks added later.
    db.table("tasks").add_column("created_at", str)
    db.execute("UPDATE tasks SET created_at = coalesce((SELECT min(at) FROM audit WHERE "
               "entity = 'tasks' AND entity_id = tasks.id AND action = 'add'), updated_at, "
               "(SELECT min(at) FROM audit))")
    # Every deadline set in the chat, with when: the deadline in force on any past day, and
    # deadlines of one occurrence of a recurring duty (period = its own due date).
    db.table("deadlines").create({
        "id": int, "task_id": str, "period": str, "due": str, "start": str, "at": str,
        "by": str, "source": str,  # deadline (/deadline) | extension (an approved 延期)
    }, pk="id", not_null={"task_id", "period", "due", "at", "source"}, defaults={"period": ""},
        foreign_keys=[("task_id", "tasks", "id")])
    db.table("deadlines").create_index(["task_id", "period", "id"])
    db.execute(
        "INSERT INTO deadlines (task_id, period, due, at, by, source) "
        "SELECT entity_id, '', json_extract(detail, '$.to'), at, actor, "
        "CASE action WHEN 'extension' THEN 'extension' ELSE 'deadline' END FROM audit "
        "WHERE entity = 'tasks' AND action IN ('deadline', 'extension') "
        "AND json_extract(detail, '$.to') IS NOT NULL "
        "AND entity_id IN (SELECT id FROM tasks) ORDER BY id")
    # A chat deadline with no audit row behind it (older databases): as of its last change.
    db.execute(
        "INSERT INTO deadlines (task_id, period, due, at, by, source) "
        "SELECT id, '', due_set, coalesce(updated_at, created_at), NULL, 'deadline' FROM tasks "
        "WHERE due_set IS NOT NULL AND id NOT IN (SELECT task_id FROM deadlines)")
    # Tracking begins with the plan's first load (TRACK_FROM may set another day).
    db.execute("INSERT OR IGNORE INTO meta (key, value) SELECT 'tracking_began', min(at) FROM "
               "(SELECT min(at) AS at FROM audit UNION ALL SELECT min(at) FROM reports) "
               "HAVING min(at) IS NOT NULL")


@migrations()
def m012_task_versions(db: Database) -> None:
    # A counter per task, moved by triggers on every write that changes what its facts say
    # (records, evidence, deadlines), and one for notices: the kept facts refold only the tasks
    # whose counter moved, whichever process or code path wrote.
    db.table("task_versions").create({"task_id": str, "version": int}, pk="task_id",
                               not_null={"version"})
    db.execute("INSERT INTO task_versions (task_id, version) SELECT id, 0 FROM tasks")
    db.table("meta").upsert({"key": "notices_version", "value": "0"}, pk="key")
    bump = ("INSERT INTO task_versions (task_id, version) VALUES ({ref}.task_id, 1) "
            "ON CONFLICT(task_id) DO UPDATE SET version = version + 1;")
    for table, events in (("reports", ("INSERT", "UPDATE")),
                          ("evidence", ("INSERT", "UPDATE", "DELETE")),
                          ("deadlines", ("INSERT", "UPDATE", "DELETE"))):
        for event in events:
            ref = "OLD" if event == "DELETE" else "NEW"
            db.execute(f"CREATE TRIGGER {table}_{event.lower()}_task_version AFTER {event} "
                       f"ON {table} BEGIN {bump.format(ref=ref)} END")
    notices = ("UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
               "WHERE key = 'notices_version';")
    for event in ("INSERT", "UPDATE", "DELETE"):
        db.execute(f"CREATE TRIGGER notices_{event.lower()}_version AFTER {event} ON notices "
                   f"BEGIN {notices} END")


@migrations()
def m013_day_figures(db: Database) -> None:
    # The plan's figures at the end of past days (completion, 序时进度, reports and evidence so
    # far), from the facts model and kept: a past day's figures never change, so the digest's
    # trend and "this week" read them instead of refolding history. `version` names the facts
    # rules they were computed by; rows of older rules are computed again.
    db.table("snapshots").add_column("expected", float)
    db.table("snapshots").add_column("reports", int)
    db.table("snapshots").add_column("evidence", int)
    db.table("snapshots").add_column("version", int)
    db.execute("DELETE FROM snapshots")  # computed by the rules before the facts model


@migrations()
def m014_posts(db: Database) -> None:
    # What the bot's own messages are about (bot/store/posts.py): a reply to one is read against
    # its tasks, and a card decided some other way (a command, /undo, a newer card) loses its
    # buttons.
    db.table("posts").create({"chat_id": int, "message_id": int, "kind": str, "tasks": str,
                        "ref": str, "at": str}, pk=("chat_id", "message_id"),
                       not_null={"kind", "tasks", "at"})
    db.table("posts").create_index(["kind", "ref"])


@migrations()
def m015_department_short_en(db: Database) -> None:
    # The English name a table has room for ("Health Commission"): the plan file's short_en,
    # else (NULL) the full English name, as before.
    db.table("departments").add_column("short_en", str)


@migrations()
def m016_bulletin_issue_numbers(db: Database) -> None:
    # 期号: each 情况通报 series (weekly, monthly) numbers its issues from the first one issued;
    # a period issued again (a corrected copy, the English variant) keeps its number.
    db.table("bulletin_issues").create({
        "series": str,  # week | month
        "period": str,  # the ISO week (2023-W20) or the month (2023-05) the issue belongs to
        "number": int,
        "start": str, "end": str,  # the days it covered when first issued
        "issued_at": str,
    }, pk=("series", "period"), not_null={"number", "issued_at"})
    db.table("bulletin_issues").create_index(["series", "number"], unique=True)


@migrations()
def m017_records_in_time_order(db: Database) -> None:
    # The facts fold a task's records in the order they were made: read by this index, not
    # sorted anew for every reading.
    db.table("reports").create_index(["task_id", "at", "id"], index_name="reports_task_at")
    # Taking a report back is the one change to the past a kept past day must notice.
    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('revocations', "
               "(SELECT count(revoked_at) FROM reports))")
    db.execute("CREATE TRIGGER reports_revoked_count AFTER UPDATE OF revoked_at ON reports "
               "BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
               "WHERE key = 'revocations'; END")


@migrations()
def m018_facts_version(db: Database) -> None:
    # One counter for everything the facts of now are folded from (records, evidence,
    # deadlines), and each task's counter set to it when the task changes: the kept facts ask
    # "which tasks moved since counter N" in one indexed lookup, and a write the facts do not
    # read (an inbox row, a prompt) no longer reworks them. `rebuilt` marks a record changed
    # rather than added (a report taken back): that task's records are folded anew, where an
    # added one is folded onto what was kept (evidence and deadlines are read again anyway).
    db.table("meta").upsert({"key": "facts_version", "value": "0"}, pk="key")
    # Who staffs which department (the queue of departments without a liaison), likewise.
    db.table("meta").upsert({"key": "members_version", "value": "0"}, pk="key")
    for event in ("INSERT", "UPDATE", "DELETE"):
        db.execute(f"CREATE TRIGGER members_{event.lower()}_version AFTER {event} ON members "
                   "BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                   "WHERE key = 'members_version'; END")
    db.table("task_versions").add_column("rebuilt", int, not_null_default=0)
    db.execute("UPDATE task_versions SET version = 0")  # counted per task until now
    db.table("task_versions").create_index(["version"], index_name="task_versions_version")
    counter = "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'facts_version')"
    for table, events in (("reports", ("INSERT", "UPDATE")),
                          ("evidence", ("INSERT", "UPDATE", "DELETE")),
                          ("deadlines", ("INSERT", "UPDATE", "DELETE"))):
        for event in events:
            ref = "OLD" if event == "DELETE" else "NEW"
            rebuilt = table == "reports" and event == "UPDATE"
            db.execute(f"DROP TRIGGER IF EXISTS {table}_{event.lower()}_task_version")
            db.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_task_version AFTER {event} ON {table} "
                "BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                "WHERE key = 'facts_version'; "
                "INSERT INTO task_versions (task_id, version, rebuilt) "
                f"VALUES ({ref}.task_id, {counter}, {counter if rebuilt else 0}) "
                "ON CONFLICT(task_id) DO UPDATE SET version = excluded.version"
                + (", rebuilt = excluded.rebuilt" if rebuilt else "") + "; END")


@migrations()
def m019_digests_kept(db: Database) -> None:
    # What each weekly digest covered (bot/store/digests.py): the next digest counts the reports
    # and evidence received after it (never a report made on a digest's day after it went out
    # left out, never one counted twice), and compares its completion with the one shown.
    db.table("digests").create({
        "key": str,  # digest:2022-W26
        "at": str,  # the moment its facts were taken (UTC ISO)
        "report_id": int,  # the newest record it had seen
        "evidence_id": int,  # the newest evidence row it had seen
        "completion": float,
        "version": int,  # the facts rules it was computed by (bot.outputs.digest.FACTS_VERSION)
        "posted_at": str,
    }, pk="key", not_null={"at", "report_id", "evidence_id", "posted_at"})
    db.table("digests").create_index(["at"])


@migrations()
def m020_outbox_retries(db: Database) -> None:
    # One sender for every post of the bot's own (handlers/sender.py): the message a part became
    # (a review card's evidence replies to it), when a failed part is tried again, how many parts
    # of a long message went out, and when one was given up.
    for column, kind in (("message_id", int), ("next_at", str), ("parts_sent", int),
                         ("given_up_at", str)):
        db.table("outbox").add_column(column, kind)
    db.execute("CREATE INDEX outbox_unsent ON outbox (kind, next_at) WHERE sent_at IS NULL "
               "AND given_up_at IS NULL")


@migrations()
def m021_post_occurrences(db: Database) -> None:
    # The occurrence of a recurring duty each post is about, by task (JSON), when it names one
    # (an acknowledgement, a reminder): a reply to it reports on that occurrence, unasked.
    db.table("posts").add_column("periods", str)
