"""Read a plan document (实施方案, 工作方案, 任务分工方案) into a draft task file for review.

reading (text/docx, encoding) -> structure (numbering, header) -> extract (sentences into duties,
with responsibility, deadlines, targets, recurrence) -> writer (the YAML `seed` loads) -> report.
"""
