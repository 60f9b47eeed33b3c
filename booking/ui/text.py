"""Text typed by someone else, shown inert.

Streamlit renders Markdown (and its own `:color[…]`, `:material/…:` and `$…$` syntax) in
`st.markdown`, `st.write`, captions, headings and labels. Text a venue typed goes through
`plain()` before it reaches any of them, or through `st.text` / `st.dataframe`, which show
characters as they are. `unsafe_allow_html` is never used.
"""

from __future__ import annotations

import re

# Every ASCII punctuation sign may be backslash-escaped in CommonMark; escaping them all
# leaves no Markdown, HTML, link, emoji shortcode or formula to interpret.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text: str | None) -> str:
    """`text` for a Markdown-rendering element, showing exactly the characters typed."""
    escaped = _PUNCTUATION.sub(r"\\\1", text or "")
    return escaped.replace("\n", "  \n")
