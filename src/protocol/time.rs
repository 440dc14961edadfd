//! Times as the wire writes them (ISO 8601, UTC) and as a page shows them
//! (a calendar date), from Unix seconds. One small pure function for both
//! sides rather than a date crate in the browser's WASM.

/// The proleptic Gregorian (year, month, day) of a Unix time, in UTC (the
/// civil-from-days algorithm).
fn civil(unix_seconds: i64) -> (i64, i64, i64) {
    let days = unix_seconds.div_euclid(86_400) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// `YYYY-MM-DD`, in UTC.
pub(crate) fn utc_date(unix_seconds: i64) -> String {
    let (year, month, day) = civil(unix_seconds);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `3 Dec 2026`, in UTC: a date as a person reads it, in any locale's page.
pub(crate) fn day_month_year(unix_seconds: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, month, day) = civil(unix_seconds);
    let name = usize::try_from(month - 1)
        .ok()
        .and_then(|i| MONTHS.get(i))
        .unwrap_or(&"?");
    format!("{day} {name} {year}")
}

/// `3 Dec 2026` from an [`iso8601`] text; a text that is not one is
/// shown as it came.
pub(crate) fn day_month_year_of(iso: &str) -> String {
    parse_iso8601(iso).map_or_else(|| iso.to_owned(), day_month_year)
}

/// `18:40`, in UTC.
pub(crate) fn hours_minutes(unix_seconds: i64) -> String {
    let seconds = unix_seconds.rem_euclid(86_400);
    format!("{:02}:{:02}", seconds / 3_600, seconds / 60 % 60)
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn iso8601(unix_seconds: i64) -> String {
    let seconds = unix_seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        utc_date(unix_seconds),
        seconds / 3_600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// The Unix time of an [`iso8601`] text (`None` for anything else).
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let (date, time) = text.strip_suffix('Z')?.split_once('T')?;
    let mut date = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let mut time = time.splitn(3, ':').map(str::parse::<i64>);
    let (hour, minute, second) = (time.next()?.ok()?, time.next()?.ok()?, time.next()?.ok()?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    // days_from_civil, the inverse of `civil`.
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_index = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let unix = days * 86_400 + hour * 3_600 + minute * 60 + second;
    // A day the month does not have (2026-02-30) comes back as another date.
    (iso8601(unix) == text).then_some(unix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_become_utc_dates_and_back() {
        for (unix, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (86_399, "1970-01-01T23:59:59Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_798_761_599, "2026-12-31T23:59:59Z"),
            (1_798_761_600, "2027-01-01T00:00:00Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
        ] {
            assert_eq!(iso8601(unix), text, "{unix}");
            assert_eq!(parse_iso8601(text), Some(unix), "{text}");
        }
        assert_eq!(utc_date(1_798_761_600), "2027-01-01");
        assert_eq!(day_month_year(1_796_300_000), "3 Dec 2026");
        assert_eq!(day_month_year(951_782_400), "29 Feb 2000");
        assert_eq!(day_month_year_of("2000-02-29T00:00:00Z"), "29 Feb 2000");
        assert_eq!(day_month_year_of("soon"), "soon");
        assert_eq!(hours_minutes(86_399), "23:59");
        assert_eq!(hours_minutes(-1), "23:59");
        assert_eq!(
            hours_minutes(951_782_400 + 9 * 3_600 + 5 * 60 + 59),
            "09:05"
        );
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        let mut unix = -2_208_988_800; // 1900-01-01
        while unix < 10_413_792_000 {
            // 2300-01-01
            assert_eq!(parse_iso8601(&iso8601(unix)), Some(unix));
            unix += 86_400 + 3_661;
        }
    }

    #[test]
    fn other_texts_are_refused() {
        for text in [
            "",
            "2026-12-03",
            "2026-12-03T10:00:00",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "x-12-03T10:00:00Z",
        ] {
            assert_eq!(parse_iso8601(text), None, "{text}");
        }
    }
}
