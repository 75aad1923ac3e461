//! File names on a terminal: control characters shown, not obeyed.
//!
//! A file name may contain anything but `/` and NUL: an ANSI escape
//! sequence would recolour the terminal, a newline would break a report
//! line, a bidi override would reorder what follows. [`for_terminal`]
//! shows such characters as escapes (`\x1b`, `\n`, `\u{202e}`), and
//! [`pad`] aligns by display width (a CJK character takes two columns, a
//! combining accent none), not by bytes.

use std::borrow::Cow;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

/// `text` with control and bidi-formatting characters escaped: `\n`, `\r`,
/// `\t` as themselves, other ASCII controls as `\xNN`, the rest as
/// `\u{NNNN}`. Borrowed when nothing needs escaping.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Writing to a String cannot fail.
            c if needs_escape(c) && c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Columns `text` takes once escaped with [`for_terminal`].
pub fn width(text: &str) -> usize {
    for_terminal(text).width()
}

/// `text` escaped with [`for_terminal`] and padded with spaces to `columns`
/// display columns (never cut).
pub fn pad(text: &str, columns: usize) -> String {
    let shown = for_terminal(text);
    let fill = columns.saturating_sub(shown.width());
    format!("{shown}{}", " ".repeat(fill))
}

/// Control characters (C0, DEL, C1) and the bidi embedding, override and
/// isolate characters.
fn needs_escape(ch: char) -> bool {
    ch.is_control()
        || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_borrowed() {
        assert!(matches!(for_terminal("t/ä b.t"), Cow::Borrowed("t/ä b.t")));
    }

    #[test]
    fn controls_are_shown_as_escapes() {
        assert_eq!(for_terminal("t/\x1b[31mred.t"), "t/\\x1b[31mred.t");
        assert_eq!(for_terminal("a\nb\tc\rd\x7f"), "a\\nb\\tc\\rd\\x7f");
        assert_eq!(for_terminal("x\u{9b}y\u{202e}z"), "x\\u{9b}y\\u{202e}z");
        assert!(!for_terminal("\x07\x1b\n\u{85}")
            .chars()
            .any(char::is_control));
    }

    #[test]
    fn padding_counts_columns() {
        assert_eq!(pad("日本.t", 8), "日本.t  ");
        assert_eq!(width("日本.t"), 6);
        assert_eq!(pad("e\u{301}.t", 5), "e\u{301}.t  ");
        assert_eq!(pad("a\nb", 6), "a\\nb  ");
        assert_eq!(pad("long-name", 3), "long-name");
    }
}
