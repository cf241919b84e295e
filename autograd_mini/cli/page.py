"""The demo's index page: every number, picture and page of every run, all text escaped."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

from autograd_mini import i18n
from autograd_mini.experiments import Report

__all__ = ["DOCS_LINKS", "PAGE", "index_html"]

#: The checkout's docs folder (linked from the page when it exists, i.e. in a checkout).
DOCS = Path(__file__).resolve().parent.parent.parent / "docs"


def _file_html(label: str, path: Path, base: Path) -> str:
    try:
        href = path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        href = path.resolve().as_uri()
    link = f'<a href="{html.escape(href)}">{html.escape(path.name)}</a> ({html.escape(label)})'
    if path.suffix.lower() in (".svg", ".png"):
        src, alt = html.escape(href), html.escape(label)
        img = f'<a href="{src}"><img src="{src}" alt="{alt}"></a>'
        return f"<figure>{img}<figcaption>{link}</figcaption></figure>"
    return f"<p>{link}</p>"


#: The docs the page links, in the page's language: (file in docs/, link text).
DOCS_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("tutorial.md", "tutorial"), ("errata.md", "errata of the chapter"),
           ("chapter-map.md", "chapter map"), ("exercises.md", "exercises"),
           ("api.md", "API reference")),
    "ja": (("tutorial.ja.md", "チュートリアル"), ("errata.md", "正誤表"),
           ("chapter-map.ja.md", "章とコードの対応"), ("exercises.ja.md", "演習問題"),
           ("api.md", "API リファレンス（英語）")),
}  # fmt: skip


def _docs_links(base: Path, lang: str = "en") -> str:
    """Links to the tutorials and errata when the docs sit next to the package (a checkout)."""
    names = DOCS_LINKS[lang]
    links = [
        f'<a href="{html.escape(Path(os.path.relpath(DOCS / name, base)).as_posix())}">'
        f"{html.escape(text)}</a>"
        for name, text in names
        if (DOCS / name).exists()
    ]
    docs = html.escape(i18n.text("demo_docs", lang))
    return f"<p>{docs}: {' · '.join(links)}</p>" if links else ""


def index_html(reports: Sequence[Report], seconds: float, base: Path, lang: str = "en") -> str:
    """The demo's index page in folder ``base``: every number, picture and page of every run,
    all text escaped; ``lang`` ``"ja"`` writes the page's own words in Japanese."""
    lang = i18n.check_lang(lang)
    quantity, value, full = (
        html.escape(i18n.text(key, lang))
        for key in ("demo_quantity", "demo_value", "demo_full_output")
    )
    sections = [_docs_links(base, lang)]
    for r in reports:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in r.numbers
        )
        files = "".join(_file_html(label, path, base) for label, path in r.files)
        text = html.escape("\n".join(r.lines))
        sections.append(
            f"<section><h2><code>{html.escape(r.title)}</code></h2>"
            f"<table><tr><th>{quantity}</th><th>{value}</th></tr>{rows}</table>{files}"
            f"<details><summary>{full}</summary><pre>{text}</pre></details></section>"
        )
    return PAGE.format(
        lang=lang,
        title=html.escape(i18n.text("demo_title", lang)),
        intro=i18n.text("demo_intro", lang, seconds=f"{seconds:.1f}"),
        body="\n".join(sections),
    )


#: The page template (``{lang}``, ``{title}``, ``{intro}`` and ``{body}`` are filled in).
PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; margin: 0.5rem 0; }}
td, th {{ border: 1px solid #ccc; padding: 0.2rem 0.6rem; text-align: left; }}
img {{ max-width: 100%; border: 1px solid #eee; }}
pre {{ background: #f6f6f6; padding: 0.6rem; overflow-x: auto; }}
section {{ margin-bottom: 2.5rem; }}
</style></head><body>
<h1>{title}</h1>
<p>{intro}</p>
{body}
</body></html>
"""
