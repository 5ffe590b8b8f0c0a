"""The one list of commands: /help, setMyCommands and README's table all come from it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import t


@dataclass(frozen=True)
class Command:
    name: str
    zh: str
    en: str
    coordinator: bool = False  # shown in /help only to coordinators

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


COMMANDS: tuple[Command, ...] = (
    Command("tasks", "本部门任务及状态", "your department's tasks"),
    Command("report", "报送进度:/report T12 60 说明", "report progress: /report T12 60 note"),
    Command("status", "进展总览:/status [部门或任务]", "overview: /status [dept or task]"),
    Command("due", "即将到期:/due [天数]", "falling due: /due [days]"),
    Command("history", "任务报送记录:/history T12", "a task's history: /history T12"),
    Command("evidence", "查看佐证材料:/evidence T12", "a task's evidence: /evidence T12"),
    Command("undo", "撤回30分钟内的上一条报送", "take back your last report (30 min)"),
    Command("join", "申请加入:/join 部门名称", "apply: /join DEPARTMENT"),
    Command("whoami", "我的身份", "who am I here"),
    Command("leave", "退出联络员", "stop being a liaison"),
    Command("lang", "语言:/lang zh 或 en", "language: /lang zh or en"),
    Command("help", "帮助", "help"),
    Command("cancel", "取消当前操作", "cancel the current step"),
    Command("close", "核实销号:/close T12", "check and close: /close T12", coordinator=True),
    Command("reopen", "退回:/reopen T12 原因", "send back: /reopen T12 reason", coordinator=True),
    Command("deadline", "设定截止:/deadline T12 6月底前", "set a deadline: /deadline T12 end of June",
            coordinator=True),
    Command("mute", "暂停提醒:/mute T12 14d", "pause reminders: /mute T12 14d", coordinator=True),
    Command("digest", "立即发送每周简报", "post the weekly digest now", coordinator=True),
    Command("approve", "批准入群:/approve 用户ID", "approve: /approve USER_ID", coordinator=True),
    Command("refuse", "拒绝入群:/refuse 用户ID", "refuse: /refuse USER_ID", coordinator=True),
    Command("members", "成员名单", "list members", coordinator=True),
)

# Commands a person who is not (yet) a member may use anywhere the bot answers.
OPEN_TO_ALL = frozenset({"start", "help", "join", "whoami", "lang", "cancel"})


def help_text(lang: str, coordinator: bool) -> str:
    lines = [t("help_header", lang)]
    lines += [f"/{c.name} {c.text(lang)}" for c in COMMANDS if not c.coordinator]
    if coordinator:
        lines += ["", t("help_coordinator", lang)]
        lines += [f"/{c.name} {c.text(lang)}" for c in COMMANDS if c.coordinator]
    lines += ["", t("help_footer", lang)]
    return "\n".join(lines)
