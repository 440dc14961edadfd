//! The banner both recorded versions draw above everything when the
//! terminal is at least 59 columns wide and 30 rows high (dark theme), as
//! the 200x50 recordings show it.

pub const MIN_COLUMNS: usize = 59;
pub const MIN_ROWS: usize = 30;

pub const BANNER: &[&str] = &[
    "..........................................................",
    "",
    "     *                                       █████▓▓░",
    "                                 *         ███▓░     ░░",
    "            ░░░░░░                        ███▓░",
    "    ░░░   ░░░░░░░░░░                      ███▓░",
    "   ░░░░░░░░░░░░░░░░░░░    *                ██▓░░      ▓",
    "                                             ░▓▓███▓▓░",
    " *                                 ░░░░",
    "                                 ░░░░░░░░",
    "                               ░░░░░░░░░░░░░░░░",
    "       █████████                                        *",
    "      ██▄█████▄██                        *",
    "       █████████      *",
    ".......█ █   █ █..........................................",
];
