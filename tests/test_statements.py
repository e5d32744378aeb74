"""The statements both stores share: `numbered` renders SQLite's placeholders for PostgreSQL and leaves
string literals, quoted names and comments as they are."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from backend.storage.statements import numbered

# Plain SQL: no quotes, placeholders, dollar signs, nor a '-' or '/' that could start a comment.
_plain = st.text(alphabet=st.sampled_from("SELECT abc_=<>(),.*+ 0123456789\n"), max_size=12)
# Anything inside a literal or a quoted name, a placeholder look-alike included.
_inner = st.text(alphabet=st.sampled_from("?$1-/* 'a\"\n"), max_size=8)


@st.composite
def _statements(draw: st.DrawFn) -> tuple[str, str]:
    """A statement with bare ``?`` placeholders and what PostgreSQL should get for it."""
    sql, expected, placeholders = [], [], 0
    for kind in draw(st.lists(st.sampled_from(["plain", "mark", "literal", "name", "comment"]), max_size=12)):
        if kind == "plain":
            piece = draw(_plain)
            sql.append(piece)
            expected.append(piece)
        elif kind == "mark":
            placeholders += 1
            sql.append("? ")
            expected.append(f"${placeholders} ")
        elif kind == "comment":
            piece = "/*" + draw(_inner).replace("*/", "") + "*/"
            sql.append(piece)
            expected.append(piece)
        else:
            quote = "'" if kind == "literal" else '"'
            piece = quote + draw(_inner).replace(quote, quote * 2) + quote
            sql.append(piece)
            expected.append(piece)
    return "".join(sql), "".join(expected)


@given(_statements())
def test_placeholders_are_numbered_in_order_and_quoted_text_is_left_alone(case: tuple[str, str]) -> None:
    sql, expected = case
    assert numbered(sql) == expected


@given(_statements())
def test_a_rendered_statement_has_no_placeholder_outside_quotes(case: tuple[str, str]) -> None:
    sql, _ = case
    assert numbered(numbered(sql)) == numbered(sql)


def test_numbered_placeholders_keep_their_number_and_a_bare_one_follows_the_largest() -> None:
    assert numbered("a LIKE ?1 OR b LIKE ?1 AND c = ?") == "a LIKE $1 OR b LIKE $1 AND c = $2"
    assert numbered("x = ?3 AND y = ?") == "x = $3 AND y = $4"


def test_line_comments_and_escaped_quotes_keep_their_question_marks() -> None:
    assert numbered("SELECT 'it''s ?', ? -- why?\nFROM t WHERE a = ?") == (
        "SELECT 'it''s ?', $1 -- why?\nFROM t WHERE a = $2"
    )
