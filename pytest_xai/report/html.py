"""One static HTML page for a report: the tables of ``tables`` and the PNGs of ``figures``,
in one folder that opens from the file system (no server, no network, no scripts)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from pytest_xai.report import tables as t
from pytest_xai.report.figures import Figure, draw_all
from pytest_xai.report.schema import Report
from pytest_xai.store import ScoreStore

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1300px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .4em 0; } th, td { padding: .2em .6em; border-bottom: 1px solid #eee;
  text-align: left; vertical-align: top; } th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; } td.best { font-weight: bold; }
td.PASS { color: #060; font-weight: bold; } td.FAIL, td.ERROR { color: #b00; font-weight: bold; }
td.SKIP { color: #777; }
.note { color: #555; font-size: .9em; max-width: 1000px; } dl { display: grid; grid-template-columns: max-content auto;
  gap: .1em 1em; } dt { font-weight: bold; } dd { margin: 0; } img { max-width: 100%; border: 1px solid #eee; }
nav a { margin-right: 1em; }
"""


def _td(text: str, *classes: str) -> str:
    names = " ".join(c for c in classes if c)
    return f'<td class="{escape(names)}">{escape(text)}</td>' if names else f"<td>{escape(text)}</td>"


def table_html(table: t.Table) -> str:
    """A table with its heading and note; numeric cells right-aligned, the best in bold, verdicts coloured."""
    parts = [f'<h2 id="{escape(table.key)}">{escape(table.title)}</h2>']
    if table.rows:
        parts.append("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in table.header) + "</tr>")
        parts += ["<tr>" + "".join(_td(cell, "num" if j and t.NUMERIC.match(cell) else "",
                                       "best" if (i, j) in table.best else "",
                                       cell.split(":")[0] if table.key == "claims" and j == 1 else "")
                                   for j, cell in enumerate(row)) + "</tr>" for i, row in enumerate(table.rows)]
        parts.append("</table>")
    note = table.note + (" Bold: the best in its column." if table.best else "")
    return "\n".join(parts + [f'<p class="note">{escape(note)}</p>'])


def figure_html(figure: Figure) -> str:
    head = f'<h3 id="fig-{escape(figure.key)}">{escape(figure.title)}</h3>'
    if figure.file is None:
        return f'{head}\n<p class="note">{escape(figure.caption)}</p>'
    return (f'{head}\n<figure><img src="{escape(figure.file)}" alt="{escape(figure.title)}">'
            f"<figcaption class=\"note\">{escape(figure.caption)}</figcaption></figure>")


def page(report: Report, figures: list[Figure]) -> str:
    """The whole page: summary, then each table followed by the figures that illustrate it."""
    all_tables = t.tables(report)
    body = ["<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in t.summary(report)) + "</dl>",
            "<nav>" + "".join(f'<a href="#{escape(x.key)}">{escape(x.title)}</a>' for x in all_tables) + "</nav>"]
    for table in all_tables:
        body += [table_html(table), *(figure_html(f) for f in figures if f.after == table.key)]
    title = f"pytest-xai report: {report['config'].get('benchmark')}"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body><h1>{escape(title)}</h1>\n" + "\n".join(body) + "\n</body></html>\n")


def write_page(report: Report, out_dir: Path, cache_dir: Path | None = None) -> Path:
    """Write ``out_dir/index.html`` and its figures; maps come from ``cache_dir`` (default:
    the report's ``config.cache_dir``). Returns the page's path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    store = ScoreStore(Path(cache_dir or report["config"].get("cache_dir") or ".xai-cache"))
    index = out_dir / "index.html"
    index.write_text(page(report, draw_all(report, out_dir, store)), encoding="utf-8")
    return index
