"""PDF through LibreOffice: the bulletin (.docx) and the ledger (.xlsx) as the reader will print them.

`soffice --headless --convert-to pdf` lays the pages out (Writer for the bulletin, Calc for the
ledger, which applies the ledger's print setup: landscape A4, fit to width, repeated header
row, page numbers). Each conversion runs with a LibreOffice profile of its own in a temporary
folder, so two at once (or an office user's open LibreOffice) never lock each other out.

The official faces (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体, 宋体) are named in the files
but rarely installed on a server. The conversion hands fontconfig an alias file (FONTCONFIG_FILE)
that maps each, when it is missing, to the nearest Noto CJK face (Debian's fonts-noto-cjk):
the Song/Ming-style faces to Noto Serif CJK SC, 黑体 to Noto Sans CJK SC; installed official
fonts win, as the aliases only add fallbacks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# Official face -> the face drawn where it is missing (first one installed wins).
FALLBACKS: dict[str, tuple[str, ...]] = {
    "方正小标宋简体": ("FZXiaoBiaoSong-B05S", "Noto Serif CJK SC", "Source Han Serif SC"),
    "仿宋_GB2312": ("FangSong_GB2312", "FangSong", "仿宋", "Noto Serif CJK SC",
                   "Source Han Serif SC"),
    "楷体_GB2312": ("KaiTi_GB2312", "KaiTi", "楷体", "Noto Serif CJK SC", "Source Han Serif SC"),
    "黑体": ("SimHei", "Noto Sans CJK SC", "Source Han Sans SC"),
    "宋体": ("SimSun", "Noto Serif CJK SC", "Source Han Serif SC"),
    "Times New Roman": ("Liberation Serif", "DejaVu Serif"),
}
SYSTEM_FONTS_CONF = Path("/etc/fonts/fonts.conf")


class PdfError(RuntimeError):
    """LibreOffice ran but made no PDF (its own message is in the text)."""


def soffice() -> str | None:
    """LibreOffice's command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def fonts_conf() -> str:
    """A fontconfig file: the system's configuration plus the official faces' fallbacks."""
    aliases = "\n".join(
        f"  <alias binding=\"same\"><family>{name}</family><accept>"
        + "".join(f"<family>{f}</family>" for f in faces) + "</accept></alias>"
        for name, faces in FALLBACKS.items())
    include = (f"  <include ignore_missing=\"yes\">{SYSTEM_FONTS_CONF}</include>\n"
               if SYSTEM_FONTS_CONF.exists() else "")
    return ("<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n"
            f"{include}{aliases}\n</fontconfig>\n")


def to_pdf(data: bytes, suffix: str, timeout: float = 180) -> bytes | None:
    """The document (`suffix` 'docx' or 'xlsx') as PDF bytes; None without LibreOffice."""
    command = soffice()
    if command is None:
        return None
    with tempfile.TemporaryDirectory(prefix="duban-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / f"document.{suffix}"
        source.write_bytes(data)
        conf = folder / "fonts.conf"
        conf.write_text(fonts_conf(), encoding="utf-8")
        env = {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": tmp}
        done = subprocess.run(
            [command, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", tmp, str(source)],
            capture_output=True, timeout=timeout, env=env, check=False)
        out = folder / "document.pdf"
        if not out.exists():
            raise PdfError((done.stderr or done.stdout).decode("utf-8", "replace").strip()
                           or f"soffice exited with {done.returncode}")
        return out.read_bytes()


def bulletin_pdf(docx: bytes, timeout: float = 180) -> bytes | None:
    """The bulletin as PDF; None when LibreOffice is not installed."""
    return to_pdf(docx, "docx", timeout)


def ledger_pdf(xlsx: bytes, timeout: float = 180) -> bytes | None:
    """The ledger as PDF (every sheet, by its print setup); None without LibreOffice."""
    return to_pdf(xlsx, "xlsx", timeout)
