//! Tiny ANSI terminal escapes: colours, bold, screen and cursor control.
//!
//! A [`Style`] says whether escapes are emitted at all, so one code path
//! draws both the coloured screen and its plain-text twin.

/// The eight basic foreground colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Black,
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
    White,
}

impl Color {
    fn code(self) -> u8 {
        30 + self as u8
    }
}

/// Clear the whole screen.
pub const CLEAR_SCREEN: &str = "\x1b[2J";
/// Move the cursor to row 1, column 1.
pub const CURSOR_HOME: &str = "\x1b[H";
/// Hide and show the cursor.
pub const HIDE_CURSOR: &str = "\x1b[?25l";
pub const SHOW_CURSOR: &str = "\x1b[?25h";
/// Reset all attributes.
pub const RESET: &str = "\x1b[0m";

/// Whether to emit escapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub enabled: bool,
}

impl Style {
    pub fn ansi() -> Style {
        Style { enabled: true }
    }

    pub fn plain() -> Style {
        Style { enabled: false }
    }

    /// ANSI unless `NO_COLOR` is set (https://no-color.org) or `TERM=dumb`.
    pub fn from_env() -> Style {
        let no_color = std::env::var_os("NO_COLOR").map_or(false, |v| !v.is_empty());
        let dumb = std::env::var("TERM").map_or(false, |t| t == "dumb");
        Style {
            enabled: !no_color && !dumb,
        }
    }

    /// `text` in colour `c`.
    pub fn paint(&self, text: &str, c: Color) -> String {
        if self.enabled {
            format!("\x1b[{}m{}{}", c.code(), text, RESET)
        } else {
            text.to_string()
        }
    }

    /// `text` in bold.
    pub fn bold(&self, text: &str) -> String {
        if self.enabled {
            format!("\x1b[1m{}{}", text, RESET)
        } else {
            text.to_string()
        }
    }

    /// The escape that starts a new frame (clear + home), or nothing.
    pub fn new_frame(&self) -> &'static str {
        if self.enabled {
            "\x1b[2J\x1b[H"
        } else {
            ""
        }
    }
}

/// The number of characters of `s` that are visible: escape sequences
/// (`ESC [ ... final-byte`) do not count.
pub fn visible_width(s: &str) -> usize {
    let mut n = 0;
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\x1b' && it.peek() == Some(&'[') {
            it.next();
            for d in it.by_ref() {
                if ('@'..='~').contains(&d) {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

/// Pads `s` with spaces to `width` visible characters.
pub fn pad(s: &str, width: usize) -> String {
    let w = visible_width(s);
    let mut out = s.to_string();
    for _ in w..width {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_and_width() {
        let s = Style::ansi().paint("ok", Color::Green);
        assert_eq!(s, "\x1b[32mok\x1b[0m");
        assert_eq!(visible_width(&s), 2);
        assert_eq!(Style::plain().paint("ok", Color::Red), "ok");
        assert_eq!(visible_width(&pad(&s, 5)), 5);
        assert_eq!(Style::plain().new_frame(), "");
    }
}
