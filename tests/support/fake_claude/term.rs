//! The terminal side of the fake: raw input, the window's size, and a
//! renderer that draws the way both recorded CLIs do (ink): lines printed
//! once above, and below them one region that is erased and drawn again on
//! every change. Words are placed with cursor moves, not spaces, as the
//! real CLIs place them, so a reader that strips escapes glues them.

use std::io::Write;

pub const GREY: &str = "\x1b[38;5;246m";
pub const RED: &str = "\x1b[38;5;211m";
pub const BLUE: &str = "\x1b[38;5;153m";
pub const GREEN: &str = "\x1b[38;5;114m";
pub const YELLOW: &str = "\x1b[38;5;220m";
pub const WHITE: &str = "\x1b[38;5;231m";
pub const ORANGE: &str = "\x1b[38;5;174m";
pub const RESET: &str = "\x1b[39m";
pub const NL: &str = "\r\r\n";

pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

pub fn raw_mode() {
    // SAFETY: plain termios calls on our own standard input.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(0, &mut t) == 0 {
            libc::cfmakeraw(&mut t);
            libc::tcsetattr(0, libc::TCSANOW, &t);
        }
    }
}

/// Columns and rows of the terminal (80 x 24 when it cannot be asked).
pub fn size() -> (usize, usize) {
    // SAFETY: TIOCGWINSZ fills a winsize on our own standard output.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_col > 0 {
            return (usize::from(ws.ws_col), usize::from(ws.ws_row.max(1)));
        }
    }
    (80, 24)
}

/// One line of words starting at 1-based column `col`, each placed with an
/// absolute cursor move (`ESC [ n G`).
pub fn words_at(col: usize, text: &str) -> String {
    let mut line = String::new();
    let mut at = col;
    for word in text.split(' ') {
        line.push_str(&format!("\x1b[{at}G{word}"));
        at += word.chars().count() + 1;
    }
    line
}

/// `text` word-wrapped at `width` (greedy, as ink wraps; a word longer
/// than a line is cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let mut word = word.to_owned();
        loop {
            let used = current.chars().count();
            let needed = word.chars().count() + usize::from(used > 0);
            if used + needed <= width {
                if used > 0 {
                    current.push(' ');
                }
                current.push_str(&word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut current));
                continue;
            }
            let rest: String = word.chars().skip(width).collect();
            lines.push(word.chars().take(width).collect());
            word = rest;
            if word.is_empty() {
                break;
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// `text` wrapped to the columns right of `indent`, in `colour`.
pub fn paragraph(indent: usize, text: &str, cols: usize, colour: &str) -> Vec<String> {
    wrap(text, cols.saturating_sub(indent))
        .iter()
        .map(|l| format!("{colour}{}{RESET}", words_at(indent + 1, l)))
        .collect()
}

/// `text` cut every `width` characters, each piece starting at column
/// `col`, as links and tokens are drawn.
pub fn pieces(text: &str, width: usize, col: usize, colour: &str) -> Vec<String> {
    text.as_bytes()
        .chunks(width.max(1))
        .map(|c| format!("\x1b[{col}G{colour}{}{RESET}", String::from_utf8_lossy(c)))
        .collect()
}

/// Rows `line` takes on a terminal `cols` wide: a line drawn past the
/// right edge wraps onto the next row, and erasing must go up that far.
fn rows_taken(line: &str, cols: usize) -> usize {
    let mut rows = 1;
    let mut col = 1;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    let mut param = String::new();
                    for p in chars.by_ref() {
                        if p.is_ascii_digit() || p == ';' || p == '?' || p == '>' || p == '<' {
                            param.push(p);
                            continue;
                        }
                        let n: usize = param.parse().unwrap_or(1);
                        match p {
                            'G' => col = n.min(cols),
                            'C' => col = (col + n).min(cols),
                            _ => {}
                        }
                        break;
                    }
                }
                // OSC: up to BEL.
                Some(']') => {
                    for p in chars.by_ref() {
                        if p == '\x07' {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' | '\n' => {}
            _ => {
                if col > cols {
                    rows += 1;
                    col = 1;
                }
                col += 1;
            }
        }
    }
    rows
}

/// The part of the screen that is drawn again on every change.
#[derive(Default)]
pub struct Region {
    height: usize,
}

impl Region {
    /// Lines that stay: printed once, above the region (which must be
    /// empty then).
    pub fn print_above(&mut self, lines: &[String]) {
        self.draw(lines);
        self.height = 0;
    }

    /// Erases the region, line by line upwards as ink does, and draws
    /// `lines` in its place.
    pub fn draw(&mut self, lines: &[String]) {
        let mut text = String::new();
        if self.height > 0 {
            text.push_str("\x1b[2K");
            for _ in 0..self.height {
                text.push_str("\x1b[1A\x1b[2K");
            }
            text.push_str("\x1b[G");
        }
        for line in lines {
            text.push_str(line);
            text.push_str(NL);
        }
        let cols = size().0;
        self.height = lines.iter().map(|l| rows_taken(l, cols)).sum();
        out(&text);
    }
}
