"""/report: one line records at once; alone, it guides through task, progress, note, evidence
and a confirmation, in a group or in private.

The guided report is a prompt kept in SQLite (bot.services.prompts): its step and answers survive a
restart. Every question that waits for typed text is sent with ForceReply, so the answer is a reply
to the bot and reaches it under Telegram's default privacy mode. Every button carries the prompt's
id, so a button of a finished or replaced report says so instead of acting.

A target split by county (任务分解) asks the county first, with a button for each unit named in
its quotas, then that unit's figure. Whatever way a report is confirmed (the guided flow, a reply
shown back, a choice button), it goes through `record_or_ask`: a recurring duty with several
earlier occurrences open is asked about with the occurrence buttons, and a refusal is said in the
chat with the typed note, never only in an alert that vanishes with the buttons.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Update,
)

from bot.domain.access import Action
from bot.domain.task import FAR_OVER, Task
from bot.errors import DubanError
from bot.language.i18n import field, format_short_day, label, t
from bot.language.parse import SKIP_WORDS, ReportInput, parse_progress_word, parse_report_args
from bot.services import prompts
from bot.services.commands import (
    MAX_NOTE_CHARS,
    fresh_occurrence,
    match_unit,
    planned_period,
    record_report,
    report_period,
)
from bot.services.directory import find_task
from bot.services.evidence import check_size
from bot.services.facts import task_facts_now
from handlers.context import (
    Caller,
    DubanContext,
    answer_press,
    args_text,
    caller,
    chat_of,
    command_line,
    data_of,
    force_reply,
    message_of,
    origin_of,
    post_after,
    pressed_on,
    query_of,
    reply,
    tell,
    typed_words,
    update_key,
)
from handlers.dispatch import refusal_text, refusal_to
from handlers.reporting import attached, own_tasks, save_evidence, task_buttons, task_for
from handlers.review import acknowledge

KIND = "report"
UNITS_PER_ROW = 3
PERCENT_CHOICES = (0, 25, 50, 75, 100)
STATE_CHOICES = ("in_progress", "done", "blocked")


async def ask(where: MaybeInaccessibleMessage, context: DubanContext, prompt: prompts.Prompt,
              text: str, markup: Any) -> None:
    """Send a question of the flow after `where` (the command, the answer, the card a button
    was pressed on) and link it to the prompt, so its answer finds the prompt."""
    sent = await post_after(where, context, text, reply_markup=markup)
    prompts.link_message(context.db, prompt, sent.message_id)


async def report_entry(update: Update, context: DubanContext) -> None:
    """/report T12 60 note records at once; /report alone starts the guided flow."""
    who = caller(update, context)
    words = args_text(context).split()
    if not words:
        await _ask_task(update, context, who)
        return
    task = task_for(context, who, words[0], Action.REPORT)
    data = parse_report_args(task, words[1:], typed_words(update)[1:])
    await record_or_ask(update, context, who, task, data, update_key(update), [])


async def report_with_file(update: Update, context: DubanContext) -> None:
    """A photo or document captioned '/report T12 60 note': the report, with the file as its
    evidence (under privacy mode a captioned command is one way a file reaches the bot)."""
    who = caller(update, context)
    message = message_of(update)
    line = command_line(update)
    words = line.words if line else []
    if not words:
        await reply(update, t("report_usage", who.lang))
        return
    task = task_for(context, who, words[0], Action.REPORT)
    item = attached(message)
    check_size(item["size"])
    data = parse_report_args(task, words[1:], typed_words(update)[1:])
    await record_or_ask(update, context, who, task, data, update_key(update), [item])


# ---------------------------------------------------------------- a report that needs a choice
# A bare number on a counted target (30 on 200 rooms: 30 rooms or 30%?), a figure on a target
# split by county without its county, and a report on a recurring duty with several earlier
# occurrences open are asked about with buttons before anything is recorded; the pending report
# waits in a prompt (kind "report_choice").

CHOICE = "report_choice"


async def record_or_ask(update: Update, context: DubanContext, who: Caller, task: Task,
                        data: ReportInput, key: str | None, items: list[dict[str, Any]],
                        period: str | None = None, decided=None, checked: bool = False) -> bool:
    """Record the report (with its files as evidence), or ask what it means first (a bare
    number on a counted target; a split target's county; a figure far over what is asked of
    it, unless `checked`; which occurrence, when several are open). `decided`, if given, is
    awaited once the report is recorded or asked about, before the acknowledgement and the
    files (a pressed button is answered then). Returns whether it was recorded. A refusal is
    raised (a DubanError) with nothing recorded."""
    step = ("unit" if data.ambiguous else
            "county" if task.quotas and data.unit is None and data.value is not None else
            "large" if not checked and _far_over(task, data) is not None else
            "fresh" if period is None and _claims(task, data) and fresh_occurrence(
                context.db, task, context.now()) is not None else None)
    if step:
        await _ask_choice(update, context, who, task, data, key, items, period, step)
        if decided:
            await decided()
        return False
    try:
        rec = record_report(context.db, user_id=who.user_id, task_ref=task, now=context.now(),
                            percent=data.percent, state=data.state, value=data.value,
                            note=data.note, unit=data.unit, update_key=key, period=period,
                            who=who.acting_on(Action.REPORT, task.id), origin=origin_of(update))
    except DubanError as err:
        if err.key != "occurrence_choose":
            raise
        await _ask_choice(update, context, who, task, data, key, items, None, "period",
                          err.params["choices"], checked=True)
        if decided:
            await decided()
        return False
    if decided:
        await decided()
    extra = ""
    if items:
        saved, failed = await save_evidence(context, who.user_id, task.id, items, who.lang,
                                            rec.report["id"],
                                            who=who.acting_on(Action.REPORT, task.id))
        if saved:
            extra = "\n" + t("album_saved", who.lang, count=saved, task=task.id)
        elif not failed:  # the same file kept before
            extra = "\n" + t("evidence_duplicate", who.lang, task=task.id)
        extra += f"\n{failed}" if failed else ""
    await acknowledge(update, context, rec, who.lang, extra)
    return True


def _claims(task: Task, data: ReportInput) -> bool:
    """Whether the report says the work is done (100%, 已完成, a whole-city figure at target)."""
    if data.state == "done" or (data.percent or 0) >= 100:
        return True
    return (data.unit is None and data.value is not None and task.target_value is not None
            and not task.rate and data.value >= task.target_value)


def _far_over(task: Task, data: ReportInput) -> tuple[float, str | None] | None:
    """What is asked of the figure reported, and of which county unit, when the figure is far
    over it (Task.far_over)."""
    unit = None
    if data.unit is not None:
        try:
            unit = match_unit(task, data.unit)
        except DubanError:
            return None  # said when it is recorded
    asked = task.far_over(data.value, unit)
    return (asked, unit) if asked is not None else None


async def refused(update: Update, context: DubanContext, who: Caller, err: DubanError,
                  note: str = "") -> None:
    """A report refused after its question was answered (a button pressed): said in the chat,
    where it stays, with the note as typed so that nothing written is lost."""
    text = refusal_to(context, who, err)
    if note:
        text += "\n" + t("flow_refused_note", who.lang, note=note)
    await reply(update, text)


async def _ask_choice(update: Update, context: DubanContext, who: Caller, task: Task,
                      data: ReportInput, key: str | None, items: list[dict[str, Any]],
                      period: str | None, step: str, choices: list[str] | None = None,
                      checked: bool = False) -> None:
    # a question before the record names the occurrence it is for, fixed with it; the question
    # which occurrence (step "period") fixes none
    pinned = pin_period(context, task, period) if step != "period" else {}
    prompt = prompts.open_prompt(
        context.db, chat_id=chat_of(update).id, user_id=who.user_id, kind=CHOICE,
        step=step, now=context.now(),
        data={"task": task.id, "input": data.__dict__, "key": key, "evidence": items,
              "period": period, "checked": checked, **pinned})
    named = occurrence_named(task, pinned.get("period"), bool(pinned.get("late")), who.lang)
    if step == "unit":
        number = data.value if data.value is not None else data.percent
        shown = f"{number:g}"
        buttons = [[InlineKeyboardButton(f"{shown}{task.target_unit or ''}",
                                         callback_data=f"rc:{prompt.id}:v"),
                    InlineKeyboardButton(f"{shown}%", callback_data=f"rc:{prompt.id}:p")]]
        text = t("report_count_or_percent", who.lang, task=named, number=shown,
                 unit=task.target_unit or "", target=f"{task.target_value:g}")
    elif step == "large":
        asked, unit = _far_over(task, data) or (0.0, None)
        figure = f"{data.value:g}{task.target_unit or ''}"
        buttons = [[InlineKeyboardButton(t("btn_record_anyway", who.lang, figure=figure),
                                         callback_data=f"rc:{prompt.id}:y"),
                    InlineKeyboardButton(t("btn_cancel", who.lang),
                                         callback_data=f"rc:{prompt.id}:n")]]
        text = t("report_far_over", who.lang, task=named, unit=f" {unit}" if unit else "",
                 figure=figure, asked=f"{asked:g}{task.target_unit or ''}", times=FAR_OVER)
    elif step == "fresh":
        began = fresh_occurrence(context.db, task, context.now())
        buttons = [[InlineKeyboardButton(t("btn_claim_fresh", who.lang),
                                         callback_data=f"rc:{prompt.id}:y"),
                    InlineKeyboardButton(t("btn_cancel", who.lang),
                                         callback_data=f"rc:{prompt.id}:n")]]
        text = t("report_fresh_claim", who.lang, task=named,
                 opens=format_short_day(began.opens, who.lang) if began else "—")
    elif step == "county":
        units = [InlineKeyboardButton(unit, callback_data=f"rc:{prompt.id}:u{i}")
                 for i, unit in enumerate(task.quotas)]
        buttons = [units[i:i + UNITS_PER_ROW] for i in range(0, len(units), UNITS_PER_ROW)]
        text = t("report_which_unit", who.lang, task=task.id, named=named,
                 number=f"{data.value:g}",
                 unit=task.target_unit or "", example=next(iter(task.quotas)))
    else:
        buttons = [[InlineKeyboardButton(c, callback_data=f"rc:{prompt.id}:{c}")]
                   for c in choices or []]
        text = t("report_which_occurrence", who.lang, task=task.id)
    await ask(message_of(update), context, prompt, text, InlineKeyboardMarkup(buttons))


async def choice_button(update: Update, context: DubanContext) -> None:
    """rc:<prompt>:v|p|u<n>|<period>: the meaning of a bare number, the county (the n-th unit
    of the target's quotas) or the occurrence is chosen.
    The press is answered once the report is recorded; refused (the task was suspended or
    claimed meanwhile), the refusal is said in the chat, as the buttons are gone."""
    query = query_of(update)
    who = caller(update, context)
    _, raw_id, choice = data_of(query).split(":", 2)
    prompt = prompts.get(context.db, int(raw_id))
    if prompt is None or not prompt.live(context.now()) or prompt.kind != CHOICE:
        raise DubanError("prompt_expired")
    if prompt.user_id != who.user_id:
        raise DubanError("not_your_button")
    data = ReportInput(**prompt.data["input"])
    period = prompt.data.get("period")
    if prompt.step == "unit" and choice in ("v", "p"):
        data = data.as_value() if choice == "v" else data.as_percent()
    elif prompt.step == "county" and choice[:1] == "u" and choice[1:].isdigit():
        units = list(find_task(context.db, prompt.data["task"]).quotas)
        if int(choice[1:]) >= len(units):
            raise DubanError("button_expired")
        data = replace(data, unit=units[int(choice[1:])])
    elif prompt.step == "period" and choice[:1] not in ("v", "p", "u"):
        period = choice
    elif prompt.step in ("large", "fresh") and choice == "n":  # nothing recorded, note kept
        prompts.close(context.db, prompt, now=context.now(), outcome="cancelled")
        await answer_press(query)
        await query.edit_message_reply_markup(None)
        await reply(update, t("flow_refused_note", who.lang, note=data.note) if data.note
                    else t("flow_cancelled", who.lang))
        return
    elif prompt.step not in ("large", "fresh") or choice != "y":
        raise DubanError("button_expired")
    task = task_for(context, who, prompt.data["task"], Action.REPORT)
    prompts.close(context.db, prompt, now=context.now(), outcome="chosen")
    await query.edit_message_reply_markup(None)
    done = False

    async def decided() -> None:
        nonlocal done
        done = True
        await answer_press(query)

    try:
        await record_or_ask(update, context, who, task, data, prompt.data.get("key"),
                            prompt.data.get("evidence") or [], period, decided=decided,
                            checked=prompt.step == "large" or bool(prompt.data.get("checked")))
    except DubanError as err:
        if done:  # refused after the report was recorded (its files): said as any refusal
            raise
        await answer_press(query)
        await refused(update, context, who, err, data.note)


async def _ask_task(update: Update, context: DubanContext, who: Caller) -> None:
    if not who.dept:
        await reply(update, t("report_usage", who.lang))
        return
    prompt = prompts.open_prompt(context.db, chat_id=chat_of(update).id,
                                 user_id=who.user_id, kind=KIND, step="task", data={},
                                 now=context.now())
    dept = own_tasks(context, who.dept)
    await ask(message_of(update), context, prompt, t("flow_pick_task", who.lang),
               task_buttons(dept.tasks, "rf:task:"))


async def pick_task(update: Update, context: DubanContext) -> None:
    """rf:task:<id>: a task is chosen (from /tasks or the flow); ask for progress or value."""
    query = query_of(update)
    who = caller(update, context)
    task = task_for(context, who, data_of(query).split(":", 2)[2], Action.REPORT)
    card = pressed_on(query)
    await query.answer()
    prompt = prompts.open_prompt(context.db, chat_id=card.chat.id, user_id=who.user_id,
                                 kind=KIND, step="progress", data={"task": task.id,
                                                                   "evidence": []},
                                 now=context.now())
    title = field(task, "title", who.lang)
    if task.quotas:  # split by county: whose figure it is comes first
        prompt = prompts.advance(context.db, prompt, step="unit", now=context.now())
        units = [InlineKeyboardButton(unit, callback_data=f"rf:u:{prompt.id}:{i}")
                 for i, unit in enumerate(task.quotas)]
        await ask(card, context, prompt, t("flow_unit", who.lang, task=task.id, title=title),
                  InlineKeyboardMarkup([units[i:i + UNITS_PER_ROW]
                                        for i in range(0, len(units), UNITS_PER_ROW)]))
        return
    if task.target_value is not None and task.target_unit != "%":
        prompt = prompts.advance(context.db, prompt, step="value", now=context.now())
        await ask(card, context, prompt,
                   t("flow_value", who.lang, task=task.id, title=title,
                     unit=task.target_unit, target=f"{task.target_value:g}"),
                   force_reply())
        return
    view = task_facts_now(context.db, task, context.now())
    buttons = [[InlineKeyboardButton(f"{p}%", callback_data=f"rf:p:{prompt.id}:{p}")
                for p in PERCENT_CHOICES],
               [InlineKeyboardButton(label("state", s, who.lang),
                                     callback_data=f"rf:s:{prompt.id}:{s}")
                for s in STATE_CHOICES]]
    await ask(card, context, prompt,
               t("flow_progress", who.lang, task=task.id, title=title,
                 percent=view.status.percent), InlineKeyboardMarkup(buttons))


async def unit_button(update: Update, context: DubanContext) -> None:
    """rf:u:<prompt>:<n>: the county unit (the n-th of the target's quotas) is chosen; ask for
    its figure."""
    query = query_of(update)
    who = caller(update, context)
    prompt = _button_prompt(update, context, who, "unit")
    task = task_for(context, who, prompt.data["task"], Action.REPORT)
    units = list(task.quotas)
    index = int(data_of(query).rsplit(":", 1)[1])
    if index >= len(units):  # the plan's units changed since the question
        raise DubanError("button_expired")
    card = pressed_on(query)
    await query.answer()
    await _ask_unit_value(card, context, prompt, task, units[index], who.lang)


async def _ask_unit_value(where: MaybeInaccessibleMessage, context: DubanContext,
                          prompt: prompts.Prompt, task: Task, unit: str, lang: str) -> None:
    """The county is known (pressed or typed): ask for its figure."""
    prompt = prompts.advance(context.db, prompt, step="value", now=context.now(), unit=unit)
    quota = f"{task.quotas[unit]:g}"
    await ask(where, context, prompt,
              t("flow_unit_value", lang, task=task.id, unit=unit, u=task.target_unit or "",
                quota=quota, example=quota), force_reply())


async def _ask_note(where: MaybeInaccessibleMessage, context: DubanContext,
                    prompt: prompts.Prompt, lang: str) -> None:
    key = "flow_note_required" if prompt.data.get("state") == "blocked" else "flow_note"
    await ask(where, context, prompt, t(key, lang), force_reply())


def _button_prompt(update: Update, context: DubanContext, who: Caller, step: str
                   ) -> prompts.Prompt:
    """The live prompt a flow button (rf:<verb>:<prompt id>[:…]) belongs to, at `step`."""
    prompt_id = int(data_of(query_of(update)).split(":")[2])
    prompt = prompts.get(context.db, prompt_id)
    if prompt is None or not prompt.live(context.now()):
        raise DubanError("prompt_expired")
    if prompt.user_id != who.user_id:
        raise DubanError("not_your_button")
    if prompt.step != step:
        raise DubanError("button_expired")
    return prompt


async def progress_button(update: Update, context: DubanContext) -> None:
    """rf:p:<prompt>:<percent> or rf:s:<prompt>:<state>."""
    query = query_of(update)
    who = caller(update, context)
    prompt = _button_prompt(update, context, who, "progress")
    _, kind, _, raw = data_of(query).split(":")
    answer: dict[str, Any] = {"percent": int(raw)} if kind == "p" else {"state": raw}
    card = pressed_on(query)
    await query.answer()
    prompt = prompts.advance(context.db, prompt, step="note", now=context.now(), **answer)
    await _ask_note(card, context, prompt, who.lang)


async def answer_text(update: Update, context: DubanContext, prompt: prompts.Prompt) -> None:
    """A typed answer to the flow's current question (found by the prompt router)."""
    who = caller(update, context)
    message = message_of(update)
    word = (message.text or "").strip()
    if not prompt.data.get("task"):  # the task is still to be picked, with a button
        await reply(update, t("flow_expect_button", who.lang))
        return
    task = task_for(context, who, prompt.data["task"], Action.REPORT)
    now = context.now()
    if prompt.step == "progress":
        parsed = parse_progress_word(task, word, counted=False)
        if parsed is None:
            await ask(message, context, prompt, t("progress_unreadable", who.lang, word=word),
                       force_reply())
            return
        if parsed.percent is not None and not 0 <= parsed.percent <= 100:
            await ask(message, context, prompt,
                       t("percent_range", who.lang, percent=parsed.percent), force_reply())
            return
        prompt = prompts.advance(context.db, prompt, step="note", now=now,
                                 percent=parsed.percent, state=parsed.state)
        await _ask_note(message, context, prompt, who.lang)
    elif prompt.step == "unit":  # the county typed instead of pressed ('丰泽' for 丰泽区)
        try:
            unit = match_unit(task, word)
        except DubanError as err:
            await reply(update, refusal_text(err, who.lang))
            return
        await _ask_unit_value(message, context, prompt, task, unit, who.lang)
    elif prompt.step == "value":
        parsed = parse_progress_word(task, word, counted=True)
        if parsed is None or parsed.value is None or parsed.value < 0:
            await ask(message, context, prompt,
                       t("flow_value_unreadable", who.lang, word=word), force_reply())
            return
        prompt = prompts.advance(context.db, prompt, step="note", now=now, value=parsed.value)
        await _ask_note(message, context, prompt, who.lang)
    elif prompt.step == "note":
        note = "" if word.lower() in SKIP_WORDS else word
        if not note and prompt.data.get("state") == "blocked":
            await _ask_note(message, context, prompt, who.lang)
            return
        if len(note) > MAX_NOTE_CHARS:  # refused now, while it can still be written shorter
            await ask(message, context, prompt,
                       t("note_too_long", who.lang, limit=MAX_NOTE_CHARS), force_reply())
            return
        prompt = prompts.advance(context.db, prompt, step="evidence", now=now, note=note)
        await _ask_evidence(message, context, prompt, who.lang)
    elif prompt.step == "evidence":
        await reply(update, t("flow_expect_file", who.lang))
    else:
        await reply(update, t("flow_expect_button", who.lang))


async def _ask_evidence(where: MaybeInaccessibleMessage, context: DubanContext,
                        prompt: prompts.Prompt, lang: str) -> None:
    count = len(prompt.data.get("evidence", []))
    text = t("flow_evidence_got", lang, count=count) if count else t("flow_evidence", lang)
    await ask(where, context, prompt, text, InlineKeyboardMarkup([[InlineKeyboardButton(
        t("btn_done", lang), callback_data=f"rf:done:{prompt.id}")]]))


async def add_evidence(update: Update, context: DubanContext, prompt: prompts.Prompt) -> None:
    """A photo or document sent in reply during the flow: kept until the report is confirmed."""
    who = caller(update, context)
    if prompt.step != "evidence":
        await reply(update, t("flow_expect_text", who.lang))
        return
    item = attached(message_of(update))
    check_size(item["size"])
    evidence = [*prompt.data.get("evidence", []), item]
    prompt = prompts.advance(context.db, prompt, step="evidence", now=context.now(),
                             evidence=evidence)
    await _ask_evidence(message_of(update), context, prompt, who.lang)


def summary(prompt: prompts.Prompt, task: Task, lang: str) -> str:
    data = prompt.data
    value = data.get("value")
    percent = (f"{data['percent']}%" if data.get("percent") is not None
               else label("state", data.get("state"), lang))
    figure = f"{value:g}{task.target_unit or ''}" if value is not None else ""
    if value is not None and data.get("unit"):
        figure = t("flow_unit_figure", lang, html=False, unit=data["unit"], value=figure)
    return t("flow_confirm", lang, task=occurrence_named(task, data.get("period"),
                                                        bool(data.get("late")), lang), title=field(task, "title", lang),
             percent=percent if value is None else "", value=figure,
             note=data.get("note") or "—", evidence=len(data.get("evidence", [])))


def occurrence_named(task: Task, period: str | None, late: bool, lang: str) -> str:
    """The task as a confirmation names it: with the occurrence it will be recorded on when the
    duty recurs ('T16（2022-04-30期，补报）' for an earlier one), else its bare id."""
    if not period or not task.recurring:
        return task.id
    return task.id + t("occurrence_late_of" if late else "occurrence_of", lang, period=period)


def pin_period(context: DubanContext, task: Task, period: str | None) -> dict[str, Any]:
    """The occurrence a report will be recorded on, fixed when it is shown (a question's data:
    'period', and 'late' for an earlier one), so that what the card names is what is recorded;
    nothing to fix for a one-off task or while the occurrence is still to be chosen."""
    planned = planned_period(context.db, task, context.now(), period)
    return {"period": planned[0], "late": planned[1]} if planned else {}


def occurrences_to_choose(context: DubanContext, task: Task, period: str | None) -> list[str]:
    """The occurrences a report on `task` must choose between (several earlier ones open and
    none named), else none."""
    if period is not None or not task.recurring:
        return []
    try:
        report_period(context.db, task, context.now())
    except DubanError as err:
        if err.key == "occurrence_choose":
            return list(err.params["choices"])
    return []


async def ask_to_confirm(where: MaybeInaccessibleMessage, context: DubanContext, who: Caller,
                         prompt: prompts.Prompt, task: Task) -> None:
    """Show what will be recorded with 确认报送 and 取消. When the occurrence is still to be
    chosen, one 确认 per occurrence: asked before anything is confirmed, in the same press."""
    cancel = InlineKeyboardButton(t("btn_cancel", who.lang), callback_data=f"rf:no:{prompt.id}")
    choices = occurrences_to_choose(context, task, prompt.data.get("period"))
    if not choices and (pinned := pin_period(context, task, prompt.data.get("period"))):
        prompt = prompts.advance(context.db, prompt, step=prompt.step, now=context.now(),
                                 **pinned)
    text = summary(prompt, task, who.lang)
    if not choices:
        rows = [[InlineKeyboardButton(t("btn_confirm", who.lang),
                                      callback_data=f"rf:ok:{prompt.id}"), cancel]]
    else:
        text += "\n\n" + t("report_which_occurrence", who.lang, task=task.id)
        rows = [*([InlineKeyboardButton(t("btn_confirm_occurrence", who.lang, period=c),
                                        callback_data=f"rf:ok:{prompt.id}:{c}")]
                  for c in choices), [cancel]]
    await ask(where, context, prompt, text, InlineKeyboardMarkup(rows))


async def evidence_done(update: Update, context: DubanContext) -> None:
    """rf:done:<prompt>: show what will be recorded, with confirm and cancel."""
    query = query_of(update)
    who = caller(update, context)
    prompt = _button_prompt(update, context, who, "evidence")
    task = task_for(context, who, prompt.data["task"], Action.REPORT)
    card = pressed_on(query)
    await query.answer()
    prompt = prompts.advance(context.db, prompt, step="confirm", now=context.now())
    await ask_to_confirm(card, context, who, prompt, task)


async def confirm(update: Update, context: DubanContext) -> None:
    """rf:ok:<prompt>[:<occurrence>] records the report (on the occurrence pressed, or the
    one its card named), then archives the evidence; rf:no drops everything."""
    query = query_of(update)
    who = caller(update, context)
    prompt = _button_prompt(update, context, who, "confirm")
    if data_of(query).startswith("rf:no:"):
        prompts.close(context.db, prompt, now=context.now(), outcome="cancelled")
        await query.answer()
        await query.edit_message_text(t("flow_cancelled", who.lang))
        return
    data = prompt.data
    words = ReportInput(data.get("percent"), data.get("state"), data.get("value"),
                        data.get("note") or "", data.get("unit"))
    pressed = data_of(query).split(":", 3)[3:]
    period = pressed[0] if pressed else data.get("period")
    done = False

    async def decided() -> None:  # recorded, or asked which occurrence: this question is done
        nonlocal done
        done = True
        prompts.close(context.db, prompt, now=context.now(), outcome="confirmed")
        await answer_press(query)
        await query.edit_message_reply_markup(None)

    try:
        task = task_for(context, who, data["task"], Action.REPORT)
        await record_or_ask(update, context, who, task, words, f"prompt:{prompt.id}",
                            data.get("evidence", []), period, decided=decided)
    except DubanError as err:
        if done:  # refused after the report was recorded (its files): said as any refusal
            raise
        prompts.close(context.db, prompt, now=context.now(), outcome="refused")
        await answer_press(query)
        await query.edit_message_reply_markup(None)
        await refused(update, context, who, err, words.note)


async def cancel(update: Update, context: DubanContext) -> None:
    """/cancel: leave the guided flow (or any question the bot asked), recording nothing."""
    who = caller(update, context)
    prompts.close_all(context.db, chat_of(update).id, who.user_id, now=context.now(),
                      outcome="cancelled")
    await reply(update, t("flow_cancelled", who.lang))


async def stale_button(update: Update, context: DubanContext) -> None:
    """Any other button (expired, foreign or forged) gets "this has expired"."""
    await tell(update, t("button_expired", caller(update, context).lang))
