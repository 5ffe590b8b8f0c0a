"""The command table: every command and button declared once.

Registration (handlers/__init__.py), the access check (handlers/dispatch.py), /help, the
setMyCommands menus in zh and en, and the user guide's command table (docs/使用指南.md) all come
from COMMANDS; a test fails when the guide's table and this declaration differ. A command's help
line is the catalogue entry `cmd.<name>` in each language.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.domain.access import Audience
from bot.language.i18n import LANGS, t
from handlers import (
    deadlines,
    evidence,
    exports,
    jobs,
    onboarding,
    report_flow,
    reporting,
    review,
    status,
    supervision,
)
from handlers.context import DubanContext, caller, reply
from handlers.dispatch import Callback, Where


@dataclass(frozen=True)
class Command:
    name: str
    callback: Callback
    audience: Audience
    where: Where = Where.ANY

    def help(self, lang: str) -> str:
        return t(f"cmd.{self.name}", lang, html=False)


@dataclass(frozen=True)
class Button:
    pattern: str  # matched against the whole callback_data, so a forged one falls through
    callback: Callback
    audience: Audience


async def show_help(update: Update, context: DubanContext) -> None:
    """/help: the commands this person may use, in their language."""
    who = caller(update, context)
    await reply(update, help_text(who.lang, who.coordinator))


COMMANDS: tuple[Command, ...] = (
    Command("tasks", reporting.list_tasks, Audience.MEMBER),
    Command("report", report_flow.report_entry, Audience.MEMBER),
    Command("status", status.show_status, Audience.MEMBER),
    Command("due", status.show_due, Audience.MEMBER),
    Command("history", reporting.history, Audience.MEMBER),
    Command("evidence", evidence.list_evidence, Audience.MEMBER),
    Command("undo", reporting.undo, Audience.MEMBER),
    Command("score", exports.score, Audience.MEMBER),
    Command("join", onboarding.join_department, Audience.ANYONE),
    Command("whoami", onboarding.show_whoami, Audience.ANYONE),
    Command("leave", onboarding.leave, Audience.MEMBER),
    Command("lang", onboarding.choose_language, Audience.ANYONE),
    Command("help", show_help, Audience.ANYONE),
    Command("cancel", report_flow.cancel, Audience.ANYONE),
    Command("start", onboarding.show_start, Audience.ANYONE),
    Command("extend", supervision.extend_command, Audience.MEMBER),
    Command("close", supervision.close_command, Audience.COORDINATOR),
    Command("reopen", review.reopen_command, Audience.COORDINATOR),
    Command("chase", supervision.chase_command, Audience.COORDINATOR),
    Command("suspend", supervision.suspend_command, Audience.COORDINATOR),
    Command("resume", supervision.resume_command, Audience.COORDINATOR),
    Command("deadline", deadlines.propose_deadline, Audience.COORDINATOR),
    Command("mute", jobs.mute, Audience.COORDINATOR),
    Command("digest", jobs.digest_now, Audience.COORDINATOR),
    Command("approve", onboarding.decide_join_command, Audience.COORDINATOR),
    Command("refuse", onboarding.decide_join_command, Audience.COORDINATOR),
    Command("members", onboarding.list_members, Audience.COORDINATOR),
    Command("export", exports.export, Audience.COORDINATOR),
)

BUTTONS: tuple[Button, ...] = (
    Button(r"^jn:[0-9]{1,15}:[A-Za-z0-9_]{1,24}$", onboarding.join_suggested, Audience.ANYONE),
    Button(r"^join:(approve|refuse):[0-9]{1,15}:[A-Za-z0-9_]{1,24}$", onboarding.decide_join_button,
           Audience.COORDINATOR),
    Button(r"^rv:(close|reopen):T[0-9]{1,4}:o?[0-9]{1,9}:([0-9]{4}-[0-9]{2}-[0-9]{2})?$",
           review.review_button, Audience.COORDINATOR),
    Button(r"^dl:(ok:T[0-9]{1,4}:[0-9]{4}-[0-9]{2}-[0-9]{2}:([0-9]{8}|-)|no:T[0-9]{1,4})$",
           deadlines.decide_deadline, Audience.COORDINATOR),
    Button(r"^ev:[0-9]{1,12}$", evidence.resend_evidence, Audience.MEMBER),
    Button(r"^ack:[0-9]{1,12}$", supervision.acknowledge_button, Audience.MEMBER),
    # review and extension cards carry their occurrence's version as o<N> (a card from before:
    # the task's version, digits only) and name their occurrence (old extension cards do not)
    Button(r"^ex:(ok|no):T[0-9]{1,4}:o?[0-9]{1,9}(:([0-9]{4}-[0-9]{2}-[0-9]{2})?)?$",
           supervision.extension_button, Audience.COORDINATOR),
    Button(r"^ex:wd:T[0-9]{1,4}:o?[0-9]{1,9}(:([0-9]{4}-[0-9]{2}-[0-9]{2})?)?$",
           supervision.withdraw_button, Audience.MEMBER),
    Button(r"^dc:(ok|no):[0-9]{1,12}$", supervision.direct_close_button, Audience.COORDINATOR),
    Button(r"^rf:task:T[0-9]{1,4}$", report_flow.pick_task, Audience.MEMBER),
    Button(r"^rf:(p:[0-9]{1,12}:(0|25|50|75|100)|s:[0-9]{1,12}:(in_progress|done|blocked))$",
           report_flow.progress_button, Audience.MEMBER),
    Button(r"^rf:u:[0-9]{1,12}:[0-9]{1,3}$", report_flow.unit_button, Audience.MEMBER),
    Button(r"^rf:done:[0-9]{1,12}$", report_flow.evidence_done, Audience.MEMBER),
    Button(r"^rf:(ok:[0-9]{1,12}(:[0-9A-Za-z_-]{1,20})?|no:[0-9]{1,12})$", report_flow.confirm,
           Audience.MEMBER),
    Button(r"^rc:[0-9]{1,12}:(v|p|y|n|u[0-9]{1,3}|[0-9]{4}-[0-9]{2}-[0-9]{2})$",
           report_flow.choice_button, Audience.MEMBER),
)

# Commands a person who is not (yet) a member may use in a private chat with the bot.
OPEN_TO_ALL = frozenset(c.name for c in COMMANDS if c.audience is Audience.ANYONE)
AUDIENCE_LABELS = {Audience.ANYONE: "who.anyone", Audience.MEMBER: "who.member",
                   Audience.COORDINATOR: "who.coordinator"}
MENU_HIDDEN = frozenset({"start", "approve", "refuse"})  # reached by buttons or the first tap


def help_text(lang: str, coordinator: bool) -> str:
    lines = [t("help_header", lang)]
    lines += [f"/{c.name} {c.help(lang)}" for c in COMMANDS
              if c.audience is not Audience.COORDINATOR and c.name != "start"]
    if coordinator:
        lines += ["", t("help_coordinator", lang)]
        lines += [f"/{c.name} {c.help(lang)}" for c in COMMANDS
                  if c.audience is Audience.COORDINATOR]
    lines += ["", t("help_footer", lang)]
    return "\n".join(lines)


def menu(lang: str) -> list[tuple[str, str]]:
    """(command, description) pairs for setMyCommands in `lang`."""
    return [(c.name, c.help(lang)[:256]) for c in COMMANDS if c.name not in MENU_HIDDEN]


def command_table() -> str:
    """The command table of the user guide (docs/使用指南.md), generated from COMMANDS and the
    catalogue."""
    zh, en = LANGS  # Chinese first, as everywhere
    rows = ["| command | 中文 | English | who |", "| --- | --- | --- | --- |"]
    for c in COMMANDS:
        who = AUDIENCE_LABELS[c.audience]
        rows.append(f"| `/{c.name}` | {c.help(zh)} | {c.help(en)} | "
                    f"{t(who, zh, html=False)} {t(who, en, html=False)} |")
    return "\n".join(rows)
