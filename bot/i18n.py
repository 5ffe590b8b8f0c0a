"""The message catalogue: every user-facing text, Simplified Chinese first, English as the option.

`t(key, lang, **params)` formats a message; with html=True (the bot) every parameter is escaped here,
the one place user text is escaped, so catalogue entries may carry Telegram HTML tags.
"""

from __future__ import annotations

import html as html_lib
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

STATUS_LABELS = {
    "on_track": {"zh": "正常", "en": "on track"},
    "behind": {"zh": "滞后", "en": "behind"},
    "due_soon": {"zh": "临期", "en": "due soon"},
    "overdue": {"zh": "逾期", "en": "overdue"},
    "blocked": {"zh": "受阻", "en": "blocked"},
    "pending_check": {"zh": "待核实", "en": "awaiting check"},
    "closed": {"zh": "已销号", "en": "closed"},
    "no_report": {"zh": "未报送", "en": "no report"},
}
STATE_LABELS = {
    "not_started": {"zh": "未开始", "en": "not started"},
    "in_progress": {"zh": "进行中", "en": "in progress"},
    "done": {"zh": "已完成", "en": "done"},
    "blocked": {"zh": "受阻", "en": "blocked"},
}
KIND_LABELS = {
    "milestone": {"zh": "节点任务", "en": "milestone"},
    "target": {"zh": "指标任务", "en": "target"},
    "recurring": {"zh": "常态任务", "en": "recurring"},
    "standing": {"zh": "长期任务", "en": "standing duty"},
}

MESSAGES: dict[str, dict[str, str]] = {
    # refusals raised by the core (DubanError keys)
    "task_unknown": {
        "zh": "找不到任务“{ref}”。请写任务编号,例如 T12。",
        "en": "There is no task “{ref}”. Write a task number such as T12.",
    },
    "dept_unknown": {
        "zh": "找不到部门“{text}”。可以写部门简称(如 卫健委)或代码(如 HEALTH)。",
        "en": "There is no department “{text}”. Write its short name (e.g. 卫健委) or code (HEALTH).",
    },
    "dept_ambiguous": {
        "zh": "“{text}”可能指:{options}。请写得更具体一些。",
        "en": "“{text}” could mean: {options}. Please be more specific.",
    },
    "dept_required": {
        "zh": "联络员必须指定所属部门。",
        "en": "A liaison needs a department.",
    },
    "role_unknown": {
        "zh": "角色“{role}”无效,只能是 liaison(联络员)或 coordinator(统筹人)。",
        "en": "Role “{role}” is not valid: use liaison or coordinator.",
    },
    "member_unknown": {
        "zh": "用户 {user_id} 不是成员。",
        "en": "User {user_id} is not a member.",
    },
    "not_member": {
        "zh": "您还不是本督办群的成员,请先发送 /join 部门名称 申请加入。",
        "en": "You are not a member yet. Send /join and your department to apply.",
    },
    "wrong_dept": {
        "zh": "任务 {task} 属于 {dept},您只能报送本部门的任务。",
        "en": "Task {task} belongs to {dept}; you can report only on your own department's tasks.",
    },
    "coordinator_only": {
        "zh": "此操作仅限统筹人(市教育局督办负责人)。",
        "en": "Only the coordinator can do this.",
    },
    "report_empty": {
        "zh": "请写明进度(0–100 的百分数)、状态(未开始/进行中/已完成/受阻)或数值。",
        "en": "Give a progress percentage (0-100), a state (not started / in progress / done / "
              "blocked) or a value.",
    },
    "percent_range": {
        "zh": "进度 {percent}% 无效:请写 0 到 100 之间的整数。",
        "en": "Progress {percent}% is not valid: write a whole number from 0 to 100.",
    },
    "state_unknown": {
        "zh": "状态“{state}”无效:请写 未开始、进行中、已完成 或 受阻。",
        "en": "State “{state}” is not valid: use not started, in progress, done or blocked.",
    },
    "value_not_target": {
        "zh": "任务 {task} 没有数量指标,不能填报数值。",
        "en": "Task {task} has no numeric target, so it takes no value.",
    },
    "value_negative": {
        "zh": "数值 {value} 无效:不能为负数。",
        "en": "Value {value} is not valid: it cannot be negative.",
    },
    "state_percent_conflict": {
        "zh": "“已完成”与进度 {percent}% 矛盾,请二选一。",
        "en": "“Done” contradicts {percent}%: give one or the other.",
    },
    "note_too_long": {
        "zh": "说明太长了,请控制在 {limit} 字以内。",
        "en": "The note is too long: keep it under {limit} characters.",
    },
    "task_closed": {
        "zh": "任务 {task} 已核实销号。如需继续报送,请统筹人先用 /reopen 退回。",
        "en": "Task {task} is closed. The coordinator can reopen it with /reopen first.",
    },
    "reason_required": {
        "zh": "退回时请写明原因,例如:/reopen T12 缺少佐证材料",
        "en": "Give a reason to send it back, e.g. /reopen T12 evidence missing",
    },
    "not_awaiting_check": {
        "zh": "任务 {task} 尚未报送完成,无需退回。",
        "en": "Task {task} has not been reported done, so there is nothing to send back.",
    },
    "undo_nothing": {
        "zh": "您还没有可撤回的报送。",
        "en": "You have no report to take back.",
    },
    "undo_too_late": {
        "zh": "只能撤回 {minutes} 分钟内的报送;如需更正,请重新报送。",
        "en": "Only reports from the last {minutes} minutes can be taken back; report again instead.",
    },
    # acknowledgements
    "report_recorded": {
        "zh": "已记录:{task} {title}\n进度 {percent}%({state}){value}{note}\n当前状态:{mark} {status}",
        "en": "Recorded: {task} {title}\nProgress {percent}% ({state}){value}{note}\n"
              "Status now: {mark} {status}",
    },
    "report_duplicate": {
        "zh": "这条报送已经记录过,未重复记录。",
        "en": "This report was already recorded; nothing was added.",
    },
    "task_closed_ok": {
        "zh": "已核实销号:{task} {title}",
        "en": "Checked and closed: {task} {title}",
    },
    "task_reopened_ok": {
        "zh": "已退回:{task} {title}\n原因:{reason}",
        "en": "Sent back: {task} {title}\nReason: {reason}",
    },
    "undo_ok": {
        "zh": "已撤回 {task} 的报送(进度 {percent}%)。",
        "en": "Took back your report on {task} ({percent}%).",
    },
    "member_saved": {
        "zh": "成员已登记:{user_id} {name} · {dept} · {role}",
        "en": "Member saved: {user_id} {name} · {dept} · {role}",
    },
    "member_removed": {
        "zh": "成员已移除:{user_id}",
        "en": "Member removed: {user_id}",
    },
    "role_liaison": {"zh": "联络员", "en": "liaison"},
    "role_coordinator": {"zh": "统筹人", "en": "coordinator"},
    # the picture
    "status_header": {
        "zh": "{title}\n截至 {date},总体完成度 {completion}",
        "en": "{title}\nAs of {date}, overall completion {completion}",
    },
    "overdue_header": {"zh": "逾期任务({count}项):", "en": "Overdue ({count}):"},
    "no_overdue": {"zh": "无逾期任务。", "en": "Nothing is overdue."},
    "due_on": {"zh": "{date}到期", "en": "due {date}"},
    "overdue_days": {"zh": "逾期{days}天", "en": "{days} days overdue"},
    "days_left": {"zh": "剩{days}天", "en": "{days} days left"},
    "standing": {"zh": "长期", "en": "standing"},
    "not_applicable": {"zh": "—", "en": "—"},
    "run_no_token": {
        "zh": "未设置 TELEGRAM_BOT_TOKEN,机器人无法启动。\n"
              "请先向 @BotFather 申请令牌,然后:export TELEGRAM_BOT_TOKEN=123456:ABC... "
              "(或写入 .env 文件,参见 .env.example),再运行 python -m bot run。",
        "en": "TELEGRAM_BOT_TOKEN is not set, so the bot cannot start.\n"
              "Get a token from @BotFather, then: export TELEGRAM_BOT_TOKEN=123456:ABC... "
              "(or put it in .env, see .env.example) and run python -m bot run again.",
    },
}


def _escape(value: Any) -> Any:
    return html_lib.escape(value, quote=False) if isinstance(value, str) else value


def t(key: str, lang: str = DEFAULT_LANG, *, html: bool = True, **params: Any) -> str:
    """The message `key` in `lang` (falling back to Chinese), with parameters filled in."""
    entry = MESSAGES[key]
    text = entry.get(lang) or entry[DEFAULT_LANG]
    if html:
        params = {k: _escape(v) for k, v in params.items()}
    return text.format(**params)


def label(table: dict[str, dict[str, str]], key: str | None, lang: str = DEFAULT_LANG) -> str:
    if key is None:
        return "—"
    entry = table.get(key)
    return (entry.get(lang) or entry[DEFAULT_LANG]) if entry else key


def lang_of(code: str | None) -> str:
    """A Telegram language_code ('zh-hans', 'en-US', None) or a stored choice to zh or en."""
    if code and code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANG
