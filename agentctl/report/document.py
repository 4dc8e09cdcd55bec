"""One report, two renderings: a list of blocks written as Markdown and as self-contained HTML.

The HTML inlines every image as a `data:` URI and carries its own CSS: one file to mail or attach,
with nothing fetched when it is opened.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str  # may hold **bold** and `code`


@dataclass
class Image:
    path: Path  # the PNG, beside the report
    alt: str
    csv: Path | None = None


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Document:
    title: str
    blocks: list[Heading | Paragraph | Image | Table] = field(default_factory=list)

    def add(self, *blocks: Heading | Paragraph | Image | Table) -> None:
        self.blocks.extend(blocks)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: Document, base: Path) -> str:
    lines = [f"# {doc.title}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            lines += [f"{'#' * block.level} {block.text}", ""]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        elif isinstance(block, Image):
            rel = block.path.relative_to(base).as_posix()
            lines.append(f"![{_md_cell(block.alt)}]({rel})")
            if block.csv is not None:
                lines.append(f"<sub>numbers: [{block.csv.name}]({block.csv.relative_to(base).as_posix()})</sub>")
            lines.append("")
        else:
            lines.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
            lines.append("|" + "---|" * len(block.header))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _inline(text: str) -> str:
    """**bold** and `code` from the Markdown paragraphs, everything else escaped."""
    out, bold, code = [], False, False
    for part in _split_marks(text):
        if part == "`":
            out.append("</code>" if code else "<code>")
            code = not code
        elif part == "**" and not code:
            out.append("</strong>" if bold else "<strong>")
            bold = not bold
        else:
            out.append(html.escape(part))
    if code:
        out.append("</code>")
    if bold:
        out.append("</strong>")
    return "".join(out)


def _split_marks(text: str) -> list[str]:
    parts, i, start = [], 0, 0
    while i < len(text):
        mark = "**" if text.startswith("**", i) else "`" if text[i] == "`" else ""
        if mark:
            parts += [text[start:i], mark]
            i += len(mark)
            start = i
        else:
            i += 1
    parts.append(text[start:])
    return [p for p in parts if p]


CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #08306b;padding-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .6em;
text-align:left}th{background:#f0f4fa}img{max-width:100%;height:auto;border:1px solid #eee}
code{background:#f4f4f4;padding:0 .2em}figure{margin:1em 0}figcaption{font-size:.8em;color:#555}
"""


def to_html(doc: Document) -> str:
    body = [f"<h1>{html.escape(doc.title)}</h1>"]
    for block in doc.blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 2), 6)
            body.append(f"<h{level}>{html.escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Image):
            data = base64.b64encode(block.path.read_bytes()).decode("ascii")
            caption = html.escape(block.alt)
            body.append(f'<figure><img src="data:image/png;base64,{data}" alt="{caption}">'
                        f"<figcaption>{caption}</figcaption></figure>")
        else:
            head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(doc.title)}</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    return Table(list(header), [[str(c) for c in row] for row in rows])
