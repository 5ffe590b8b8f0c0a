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
    "blocked_needs_note": {
        "zh": "报“受阻”时请写明原因,例如:/report T12 受阻 经费未到位",
        "en": "Say why it is blocked, e.g. /report T12 blocked funds not arrived",
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
    "report_usage": {
        "zh": "用法:/report 任务编号 进度 说明,例如 /report T12 60 已完成方案初稿;"
              "只发 /report 可按步骤填报。",
        "en": "Usage: /report TASK PROGRESS NOTE, e.g. /report T12 60 draft done; "
              "send /report alone to be guided step by step.",
    },
    "progress_unreadable": {
        "zh": "看不懂进度“{word}”:请写 0–100 的数字(如 60 或 60%),或 未开始/进行中/已完成/受阻。",
        "en": "Could not read the progress “{word}”: write 0-100 (60 or 60%) or a state: "
              "not started, in progress, done, blocked.",
    },
    # the bot: onboarding
    "start": {
        "zh": "您好,我是“督办”机器人,负责跟踪《泉州市大中小学心理健康教育工作实施方案》"
              "各部门任务的进展。\n联络员请发送 /join 部门名称(如 /join 卫健委)申请加入;"
              "发送 /help 查看全部命令。English: /lang en",
        "en": "Hello, I am duban. I track each department's tasks under Quanzhou's school "
              "mental health plan.\nLiaisons: send /join and your department (e.g. /join HEALTH) "
              "to apply; /help lists every command. 中文:/lang zh",
    },
    "join_usage": {
        "zh": "请写明部门,例如:/join 卫健委",
        "en": "Name your department, e.g. /join HEALTH",
    },
    "already_member": {
        "zh": "您已是 {dept} 的成员。如需更换部门,请先 /leave。",
        "en": "You are already a member for {dept}. To change, /leave first.",
    },
    "join_requested": {
        "zh": "已提交申请:加入 {dept} 担任联络员。请等待统筹人审核。",
        "en": "Request sent: liaison for {dept}. The coordinator will review it.",
    },
    "join_review": {
        "zh": "入群申请:{user} 申请担任 {dept} 联络员(用户ID {user_id})。",
        "en": "Join request: {user} asks to be liaison for {dept} (user id {user_id}).",
    },
    "join_approved": {
        "zh": "{user} 已获批准,成为 {dept} 联络员。发送 /tasks 查看本部门任务。",
        "en": "{user} is approved as liaison for {dept}. Send /tasks to see the tasks.",
    },
    "join_refused": {
        "zh": "{user} 的入群申请({dept})未获批准。如有疑问请联系统筹人。",
        "en": "{user}'s request to join for {dept} was not approved. Ask the coordinator.",
    },
    "no_pending_request": {
        "zh": "用户 {user_id} 没有待审核的申请。",
        "en": "User {user_id} has no pending request.",
    },
    "decided_by": {"zh": "(由 {user} 处理)", "en": "(decided by {user})"},
    "whoami": {
        "zh": "用户ID:{user_id}\n姓名:{name}\n部门:{dept}\n角色:{role}\n状态:{status}\n语言:中文",
        "en": "User id: {user_id}\nName: {name}\nDepartment: {dept}\nRole: {role}\n"
              "Status: {status}\nLanguage: English",
    },
    "member_status_active": {"zh": "已生效", "en": "active"},
    "member_status_pending": {"zh": "待审核", "en": "pending"},
    "member_status_refused": {"zh": "未获批准", "en": "refused"},
    "member_status_removed": {"zh": "已退出", "en": "left"},
    "member_status_visitor": {"zh": "未加入", "en": "not a member"},
    "left": {"zh": "您已退出 {dept} 联络员。", "en": "You are no longer liaison for {dept}."},
    "cannot_leave_coordinator": {
        "zh": "统筹人由配置 COORDINATOR_IDS 指定,无法通过 /leave 退出。",
        "en": "Coordinators are set by COORDINATOR_IDS and cannot /leave.",
    },
    "lang_set": {"zh": "已切换为中文。", "en": "Language set to English."},
    "lang_usage": {"zh": "用法:/lang zh 或 /lang en", "en": "Usage: /lang zh or /lang en"},
    "members_header": {"zh": "成员({count}人):", "en": "Members ({count}):"},
    "unknown_chat": {
        "zh": "本机器人只服务于已配置的督办群,在此群中不会响应。"
              "如需在此使用,请管理员将 COORDINATION_CHAT_ID 设为 {chat_id}。",
        "en": "This bot serves only its configured coordination group and will stay silent "
              "here. To use it here, set COORDINATION_CHAT_ID to {chat_id}.",
    },
    "edited_ignored": {
        "zh": "修改过的命令不会被执行。如需更正,请重新发送一条命令(报送可先用 /undo 撤回)。",
        "en": "Edited commands are not carried out. Send a new command instead (/undo takes back "
              "a report).",
    },
    "unknown_command": {
        "zh": "没有这个命令。发送 /help 查看可用命令。",
        "en": "There is no such command. Send /help to see what I can do.",
    },
    "error": {
        "zh": "抱歉,处理时出了点问题,已记录。请先用 /history 任务编号 查看是否已经记下,再决定是否重发。",
        "en": "Sorry, something went wrong; it has been logged. Check with /history TASK whether "
              "it was recorded before sending it again.",
    },
    "not_your_button": {
        "zh": "这个按钮不是给您的。",
        "en": "This button is not for you.",
    },
    "button_expired": {
        "zh": "该操作已失效,请重新发送命令。",
        "en": "This action has expired; send the command again.",
    },
    # the bot: reporting
    "tasks_header": {
        "zh": "<b>{dept}</b> 的任务({count}项),点按钮可报送:",
        "en": "<b>{dept}</b>: {count} tasks. Press a button to report:",
    },
    "tasks_for_coordinator": {
        "zh": "统筹人请用 /tasks 部门名称 查看某部门任务,例如 /tasks 卫健委。",
        "en": "Coordinator: use /tasks DEPARTMENT, e.g. /tasks HEALTH.",
    },
    "flow_pick_task": {
        "zh": "请选择要报送的任务(随时发送 /cancel 取消):",
        "en": "Pick the task to report on (/cancel at any time):",
    },
    "flow_progress": {
        "zh": "{task} {title}\n当前进度 {percent}%。请选择或回复新的进度(0–100),也可回复 未开始/进行中/已完成/受阻:",
        "en": "{task} {title}\nNow at {percent}%. Choose or reply with the new progress (0-100), "
              "or a state: not started, in progress, done, blocked:",
    },
    "flow_value": {
        "zh": "{task} {title}\n请回复当前数值(单位:{unit},目标 {target}),例如 187:",
        "en": "{task} {title}\nReply with the current value (unit: {unit}, target {target}), "
              "e.g. 187:",
    },
    "flow_note": {
        "zh": "请回复一句进展说明(或点“跳过”):",
        "en": "Reply with a short note on the progress (or press Skip):",
    },
    "flow_note_required": {
        "zh": "报“受阻”时请写明原因:",
        "en": "Please say why it is blocked:",
    },
    "flow_evidence": {
        "zh": "可以回复此消息发送照片或文件作为佐证材料,发完后点“完成”(或直接点“完成”):",
        "en": "You may reply with photos or documents as evidence, then press Done "
              "(or press Done now):",
    },
    "flow_evidence_got": {
        "zh": "已收到佐证材料 {count} 份,可继续发送或点“完成”。",
        "en": "Got {count} evidence file(s). Send more or press Done.",
    },
    "flow_confirm": {
        "zh": "请确认报送:\n{task} {title}\n进度 {percent}{value}\n说明:{note}\n佐证:{evidence} 份",
        "en": "Please confirm:\n{task} {title}\nProgress {percent}{value}\nNote: {note}\n"
              "Evidence: {evidence} file(s)",
    },
    "flow_cancelled": {"zh": "已取消,未作任何记录。", "en": "Cancelled; nothing was recorded."},
    "flow_expect_button": {
        "zh": "请点上面的按钮,或回复文字;发送 /cancel 取消。",
        "en": "Please press a button above or reply with text; /cancel to stop.",
    },
    "flow_expect_text": {
        "zh": "这里需要文字回复。发送 /cancel 取消。",
        "en": "A text reply is needed here. Send /cancel to stop.",
    },
    "flow_value_unreadable": {
        "zh": "看不懂“{word}”,请回复一个数字,例如 187。",
        "en": "Could not read “{word}”: reply with a number such as 187.",
    },
    "photo": {"zh": "照片", "en": "photo"},
    "btn_skip": {"zh": "跳过", "en": "Skip"},
    "btn_done": {"zh": "完成", "en": "Done"},
    "btn_confirm": {"zh": "确认报送", "en": "Confirm"},
    "btn_cancel": {"zh": "取消", "en": "Cancel"},
    "btn_close": {"zh": "核实销号", "en": "Check & close"},
    "btn_reopen": {"zh": "退回", "en": "Send back"},
    "btn_approve": {"zh": "批准", "en": "Approve"},
    "btn_refuse": {"zh": "拒绝", "en": "Refuse"},
    "btn_resend": {"zh": "发送 #{n}", "en": "Send #{n}"},
    "review_request": {
        "zh": "⏳ 待核实:{dept} 报告 {task} {title} 已完成。\n报送人:{user}\n说明:{note}\n佐证材料:{evidence} 份"
              "\n统筹人请核实后销号或退回。",
        "en": "⏳ Awaiting check: {dept} reports {task} {title} done.\nBy: {user}\nNote: {note}\n"
              "Evidence: {evidence} file(s)\nCoordinator: check and close, or send back.",
    },
    "reopen_prompt": {
        "zh": "请回复此消息,写明退回 {task} 的原因:",
        "en": "Reply to this message with the reason for sending {task} back:",
    },
    "task_returned_notice": {
        "zh": "{mention}:任务 {task} 已被退回,原因:{reason}。请补充后重新报送。",
        "en": "{mention}: task {task} was sent back: {reason}. Please complete it and report again.",
    },
    "task_closed_notice": {
        "zh": "{mention}:任务 {task} 已核实销号,谢谢!",
        "en": "{mention}: task {task} is checked and closed. Thank you!",
    },
    "evidence_saved": {
        "zh": "已保存佐证材料:{task} · {name}({size})",
        "en": "Evidence saved: {task} · {name} ({size})",
    },
    "evidence_duplicate": {
        "zh": "这份材料此前已保存到 {task},未重复保存。",
        "en": "This file was already saved for {task}; not saved again.",
    },
    "album_saved": {
        "zh": "已保存 {count} 份佐证材料到 {task}。",
        "en": "Saved {count} evidence files for {task}.",
    },
    "evidence_no_task": {
        "zh": "请在说明中写上任务编号,例如 #T12,我才知道这份材料属于哪项任务。",
        "en": "Put the task id in the caption, e.g. #T12, so I know which task it belongs to.",
    },
    "file_too_big": {
        "zh": "文件 {mb} MB,超过机器人可下载的 {limit} MB 上限。请压缩或分开发送。",
        "en": "The file is {mb} MB, over the {limit} MB a bot can download. Compress or split it.",
    },
    "evidence_list_header": {
        "zh": "{task} 的佐证材料({count}份):",
        "en": "Evidence for {task} ({count}):",
    },
    "evidence_none": {"zh": "{task} 还没有佐证材料。", "en": "No evidence for {task} yet."},
    "history_header": {"zh": "{task} 报送记录:", "en": "History of {task}:"},
    "history_none": {"zh": "{task} 还没有报送记录。", "en": "Nothing reported on {task} yet."},
    "usage_task": {
        "zh": "请写任务编号,例如:/{command} T12",
        "en": "Give a task id, e.g. /{command} T12",
    },
    "due_header": {
        "zh": "未来 {days} 天内到期的任务({count}项):",
        "en": "Due in the next {days} days ({count}):",
    },
    "due_none": {
        "zh": "未来 {days} 天内没有到期任务。",
        "en": "Nothing falls due in the next {days} days.",
    },
    "due_usage": {"zh": "用法:/due 天数,例如 /due 30", "en": "Usage: /due DAYS, e.g. /due 30"},
    "liaison_own_dept_only": {
        "zh": "联络员只能查看本部门({dept})的情况。",
        "en": "A liaison can look at their own department ({dept}) only.",
    },
    "help_header": {"zh": "<b>督办机器人命令</b>", "en": "<b>duban commands</b>"},
    "help_coordinator": {"zh": "<b>统筹人命令</b>", "en": "<b>Coordinator commands</b>"},
    "help_footer": {
        "zh": "佐证材料:发送照片或文件,说明写 #T12。",
        "en": "Evidence: send a photo or document with #T12 in the caption.",
    },
    "plain": {"zh": "{text}", "en": "{text}"},
    "deadline_recurring": {
        "zh": "任务 {task} 是常态任务,按周期自动滚动,不能单独设定截止日期。",
        "en": "Task {task} recurs on its own schedule; it takes no single deadline.",
    },
    "deadline_past": {
        "zh": "截止日期 {date} 已经过去,请设定今天或以后的日期。",
        "en": "The deadline {date} has passed; choose today or a later day.",
    },
    "deadline_usage": {
        "zh": "用法:/deadline 任务编号 截止时间,例如 /deadline T12 6月底前",
        "en": "Usage: /deadline TASK WHEN, e.g. /deadline T12 end of June",
    },
    "deadline_confirm": {
        "zh": "将 {task} {title} 的截止日期{old}设为:\n<b>{reading}</b>{ambiguous}\n请确认。",
        "en": "Set the deadline of {task} {title}{old} to:\n<b>{reading}</b>{ambiguous}\n"
              "Please confirm.",
    },
    "deadline_from": {"zh": "由 {date} ", "en": " (now {date})"},
    "deadline_ambiguous": {
        "zh": "\n⚠️ 这个说法可能有歧义,请核对日期。",
        "en": "\n⚠️ This wording may be ambiguous: check the date.",
    },
    "deadline_set": {
        "zh": "已将 {task} 的截止日期设为 {reading}。",
        "en": "The deadline of {task} is now {reading}.",
    },
    "deadline_cancelled": {"zh": "已取消,截止日期未改变。", "en": "Cancelled; the deadline is unchanged."},
    # nudges and the digest
    "nudge_header": {"zh": "⏰ <b>督办提醒</b> {date}", "en": "⏰ <b>Reminders</b> {date}"},
    "nudge_before": {"zh": "{due} 到期,还有 {days} 天", "en": "due {due}, {days} days left"},
    "nudge_today": {"zh": "今天({due})到期", "en": "due today ({due})"},
    "nudge_overdue": {"zh": "已逾期 {days} 天(截止 {due})", "en": "{days} days overdue (due {due})"},
    "nudge_missed": {
        "zh": "上一期(截止 {due})未报完成,已进入下一期", "en": "the period due {due} ended undone",
    },
    "nudge_no_report": {"zh": "尚未报送进展。", "en": "Nothing reported yet."},
    "nudge_last_report": {
        "zh": "最近报送:{when} 进度 {percent}%", "en": "Last report: {when}, {percent}%",
    },
    "nudge_escalate": {
        "zh": "以上逾期事项请统筹人 {people} 关注督办。",
        "en": "Coordinator {people}: please follow up the overdue items above.",
    },
    "muted": {
        "zh": "{task} 的提醒已暂停至 {date}(含)。",
        "en": "Reminders for {task} are paused until {date} inclusive.",
    },
    "mute_usage": {
        "zh": "用法:/mute 任务编号 时长,例如 /mute T12 14d 或 /mute T12 两周",
        "en": "Usage: /mute TASK FOR, e.g. /mute T12 14d",
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
    # --- paperwork: ledger, bulletin, scores, county units ---
    "unit_not_split": {
        "zh": "任务 {task} 的指标没有分解到县(市、区),无需写 --unit。",
        "en": "Task {task}'s target is not split by county unit; leave out --unit.",
    },
    "unit_unknown": {
        "zh": "找不到单位“{unit}”。可选:{units}。",
        "en": "There is no unit “{unit}”. Choose one of: {units}.",
    },
    "report_unit_value": {"zh": ",{unit} {value}{u}(全市合计 {total}{u})",
                          "en": ", {unit} {value}{u} (city total {total}{u})"},
    "unit_needs_value": {
        "zh": "请写出本单位的数值,例如 /report {task} - --value 23 --unit 晋江市。",
        "en": "Give your unit's value, e.g. /report {task} - --value 23 --unit 晋江市.",
    },
    "due_none_but_overdue": {"zh": "另有 {count} 项任务已逾期,见上。",
                             "en": " {count} tasks are overdue (above)."},
    # chart labels (bot/charts.py): every word drawn, so an English chart is English throughout
    "chart_no_data": {"zh": "暂无数据", "en": "No data yet"},
    "chart_expected": {"zh": "序时进度", "en": "Time-proportional progress"},
    "chart_completion": {"zh": "完成度", "en": "Completion"},
    "chart_counts": {"zh": "任务状态(项)", "en": "Tasks by status"},
    "chart_deadline": {"zh": "截止 {date}", "en": "due {date}"},
    "chart_late": {"zh": "逾期", "en": "overdue"},
    "chart_standing": {"zh": "长期", "en": "standing"},
    "chart_no_value": {"zh": "未报送", "en": "no report"},
    "chart_target": {"zh": "目标", "en": "target"},
    "chart_met": {"zh": "已达标", "en": "met"},
    "chart_ongoing": {"zh": "推进中", "en": "in progress"},
    "chart_missed": {"zh": "逾期未达标", "en": "overdue, not met"},
    "chart_units": {"zh": "县区已报 {reported}/{total}:{detail}",
                    "en": "units reported {reported}/{total}: {detail}"},
    "chart_as_of": {"zh": "截至 {date}", "en": "as of {date}"},
    # sheets and columns of the ledger (台账); lists are "|"-separated, one entry per column
    "ledger_sheet_tasks": {"zh": "任务台账", "en": "Tasks"},
    "ledger_sheet_depts": {"zh": "部门汇总", "en": "Departments"},
    "ledger_sheet_units": {"zh": "任务分解", "en": "County units"},
    "ledger_sheet_reports": {"zh": "报送记录", "en": "Reports"},
    "ledger_title": {"zh": "{title} 督办台账(截至 {date})",
                     "en": "{title}: supervision ledger (as of {date})"},
    "ledger_cols_tasks": {
        "zh": "编号|条款|牵头单位|配合单位|任务内容|完成时限|延期后时限|状态|进度(%)|完成值|目标值|"
              "单位|县区分解|最近报送|报送人|报送说明|佐证材料(份)|逾期天数|催办次数|签收",
        "en": "No.|Clause|Lead|Supporting|Task|Deadline|Extended deadline|Status|Progress (%)|"
              "Value|Target|Unit|County units|Last report|By|Note|Evidence|Days overdue|Chases|"
              "Acknowledged",
    },
    "ledger_cols_depts": {
        "zh": "部门|任务数|完成度(%)|已销号|待核实|正常|临期|滞后|受阻|未报送|逾期|考评得分|等次",
        "en": "Department|Tasks|Completion (%)|Closed|Awaiting check|On track|Due soon|Behind|"
              "Blocked|No report|Overdue|Score|Grade",
    },
    "ledger_cols_units": {
        "zh": "编号|指标|县(市、区)|分解任务数|已完成|完成率(%)",
        "en": "No.|Target|County unit|Quota|Reached|Share (%)",
    },
    "ledger_cols_reports": {
        "zh": "记录号|编号|部门|周期|类型|进度(%)|状态|数值|县区|说明|报送人|时间|来源|撤回时间",
        "en": "Id|Task|Department|Period|Kind|Progress (%)|State|Value|County unit|Note|By|Time|"
              "Source|Revoked",
    },
    "ledger_total": {"zh": "合计", "en": "Total"},
    "report_kind_progress": {"zh": "报送", "en": "report"},
    "report_kind_close": {"zh": "核实销号", "en": "closed"},
    "report_kind_reopen": {"zh": "退回", "en": "sent back"},
    # the bulletin (情况通报)
    "bulletin_title": {"zh": "{plan}\n落实情况通报", "en": "{plan}\nProgress bulletin"},
    "bulletin_period_week": {"zh": "({start}—{end},第{n}期)",
                             "en": "({start} to {end}, no. {n})"},
    "bulletin_period_month": {"zh": "({year}年{month}月,第{n}期)",
                              "en": "({year}-{month:02d}, no. {n})"},
    "bulletin_issuer": {"zh": "泉州市大中小学心理健康教育工作联席会议办公室",
                        "en": "Office of the Joint Meeting on School Mental Health Education"},
    "bulletin_h_overall": {"zh": "一、总体进展", "en": "1. Overall progress"},
    "bulletin_overall": {
        "zh": "截至{date},{document}确定的{tasks}项任务总体完成度为{completion},{change}。"
              "其中已销号{closed}项、待核实{pending}项、正常推进{on_track}项、临期{due_soon}项、"
              "滞后{behind}项、受阻{blocked}项、未报送{no_report}项、逾期{overdue}项。"
              "本期共收到报送{reports}条、佐证材料{evidence}份。",
        "en": "As of {date}, the {tasks} tasks of {document} stand at {completion} overall, "
              "{change}. Closed {closed}, awaiting check {pending}, on track {on_track}, due soon "
              "{due_soon}, behind {behind}, blocked {blocked}, no report {no_report}, overdue "
              "{overdue}. This period brought {reports} reports and {evidence} evidence files.",
    },
    "bulletin_change_up": {"zh": "较上期提高{points}个百分点", "en": "up {points} points on the last period"},
    "bulletin_change_down": {"zh": "较上期下降{points}个百分点",
                             "en": "down {points} points on the last period"},
    "bulletin_change_same": {"zh": "与上期持平", "en": "the same as the last period"},
    "bulletin_h_depts": {"zh": "二、各部门推进情况", "en": "2. Departments"},
    "bulletin_cols_depts": {
        "zh": "序号|部门|任务数|完成度|正常|滞后|逾期|已销号|得分|等次",
        "en": "#|Department|Tasks|Completion|On track|Behind|Overdue|Closed|Score|Grade",
    },
    "bulletin_h_ranks": {"zh": "三、红黑榜", "en": "3. Best and worst"},
    "bulletin_red": {"zh": "红榜:{names}。", "en": "Best: {names}."},
    "bulletin_black": {"zh": "黑榜:{names}。", "en": "Worst: {names}."},
    "bulletin_rank_item": {"zh": "{dept}({score}分,{grade})", "en": "{dept} ({score}, {grade})"},
    "bulletin_rank_rule": {
        "zh": "(按结果考评规则计分,规则见 scoring.yaml;红榜为得分前{n}名,黑榜为得分后{n}名。)",
        "en": "(Scored by the rules in scoring.yaml; the best {n} and the worst {n}.)",
    },
    "bulletin_h_overdue": {"zh": "四、逾期事项", "en": "4. Overdue"},
    "bulletin_cols_overdue": {"zh": "编号|任务|责任单位|完成时限|逾期天数|最近报送",
                              "en": "No.|Task|Owner|Deadline|Days overdue|Last report"},
    "bulletin_none_overdue": {"zh": "本期无逾期事项。", "en": "Nothing is overdue."},
    "bulletin_h_pending": {"zh": "五、待核实及受阻事项", "en": "5. Awaiting check and blocked"},
    "bulletin_cols_pending": {"zh": "编号|任务|责任单位|状态|说明",
                              "en": "No.|Task|Owner|Status|Note"},
    "bulletin_none_pending": {"zh": "本期无待核实或受阻事项。",
                              "en": "Nothing awaits a check or is blocked."},
    "bulletin_h_next": {"zh": "六、下步工作要求", "en": "6. Next steps"},
    "bulletin_next": {
        "zh": "各牵头单位要对照任务清单,对逾期和滞后事项逐项说明原因、明确整改措施和完成时限,"
              "于下期通报前报送进展;配合单位要主动对接、形成合力。待核实事项由联席会议办公室"
              "组织核实销号。(此段为模板,统筹人可在本文件中直接修改。)",
        "en": "Lead departments explain every overdue and lagging task, with the remedy and a "
              "date, before the next bulletin; supporting departments join in. The office will "
              "check the tasks awaiting check. (A template paragraph: edit it in this file.)",
    },
    "bulletin_h_charts": {"zh": "附图", "en": "Charts"},
    "bulletin_pdf_missing": {
        "zh": "本机未安装 LibreOffice(soffice),无法生成 PDF;已提供 Word 文档。"
              "安装方法:apt-get install libreoffice-writer。",
        "en": "LibreOffice (soffice) is not installed here, so there is no PDF; the Word file "
              "is attached. To install it: apt-get install libreoffice-writer.",
    },
    # scores (结果考评)
    "score_title": {"zh": "{year}年度结果考评(截至 {date})",
                    "en": "Scores for {year} (as of {date})"},
    "score_cols": {
        "zh": "排名|部门|基础分|按时销号|逾期销号|逾期扣分|未签收催办|延期|未报送月份|得分|等次",
        "en": "Rank|Department|Base|Closed on time|Closed late|Overdue|Unanswered chases|"
              "Extensions|Silent months|Score|Grade",
    },
    "score_cell": {"zh": "{count}→{points}", "en": "{count}→{points}"},
    "score_rules": {
        "zh": "规则:按时销号每项{closed_on_time:+g}分,逾期销号每项{closed_late:+g}分;逾期每天"
              "{overdue_day:+g}分(每项最多{overdue_cap_per_item:+g}分);未签收催办每次"
              "{unanswered_chase:+g}分;获批延期每次{approved_extension:+g}分;整月无报送每月"
              "{silent_period:+g}分。等次:{grades}。",
        "en": "Rules: closed on time {closed_on_time:+g} each, closed late {closed_late:+g}; "
              "overdue {overdue_day:+g} a day (at most {overdue_cap_per_item:+g} a task); "
              "unanswered chase {unanswered_chase:+g}; approved extension "
              "{approved_extension:+g}; a month without a report {silent_period:+g}. "
              "Grades: {grades}.",
    },
}


class Html(str):
    """Text that is already safe HTML (a mention we built), so the formatter leaves it alone."""


def _escape(value: Any) -> Any:
    if isinstance(value, Html) or not isinstance(value, str):
        return value
    return html_lib.escape(value, quote=False)


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
