"""One colour per status, shared by the charts, the ledger's cells and the bulletin.

The text marks (🟢🟡🔵🔴⛔⏳✅⚪ in bot/domain/marks.py) follow the same hues, so a department that is
red in the digest text is red in every chart and in the spreadsheet.
"""

from __future__ import annotations

# Material 800-shades, told apart with the common colour-vision deficiencies (the yellow is
# light and the blue dark, so even in greyscale they differ).
STATUS_COLOURS: dict[str, str] = {
    "on_track": "#2e7d32",  # 🟢 green
    "behind": "#f9a825",  # 🟡 yellow
    "due_soon": "#1565c0",  # 🔵 blue
    "overdue": "#c62828",  # 🔴 red
    "blocked": "#ef6c00",  # ⛔ orange: stuck, not yet late
    "pending_check": "#6a1b9a",  # ⏳ purple: claimed done, waiting for the coordinator
    "closed": "#81c784",  # ✅ light green: done and checked
    "no_report": "#9e9e9e",  # ⚪ grey
    "assigned": "#78909c",  # 📨 blue-grey: assigned, not yet acknowledged
    "suspended": "#424242",  # ⏸ dark grey: suspended by the coordinator
}
# Light tints of the same hues for spreadsheet cell backgrounds (text stays black and readable).
STATUS_TINTS: dict[str, str] = {
    "on_track": "#c8e6c9",
    "behind": "#fff59d",
    "due_soon": "#bbdefb",
    "overdue": "#ffcdd2",
    "blocked": "#ffe0b2",
    "pending_check": "#e1bee7",
    "closed": "#e8f5e9",
    "no_report": "#eeeeee",
    "assigned": "#cfd8dc",
    "suspended": "#e0e0e0",
}
# The order statuses stack in a bar and are listed in legends: done first, then the rest.
STACK_ORDER = ("closed", "pending_check", "on_track", "due_soon", "behind", "blocked",
               "assigned", "no_report", "suspended", "overdue")
