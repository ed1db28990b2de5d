//! Day numbers (days since 1970-01-01, proleptic Gregorian calendar) and the dates they
//! stand for.
//!
//! ```
//! use pr_hotspots::date::{day_number, iso_date, iso_week, parse_date};
//! let day = day_number(2024, 12, 2);
//! assert_eq!(iso_date(day), "2024-12-02");
//! assert_eq!(iso_week(day), (2024, 49));
//! assert_eq!(parse_date("2024-12-02"), Some(day));
//! ```

/// The day number of a date. Months and days out of range roll over (`2024-13-01` is
/// `2025-01-01`); use [`parse_date`] to check a date.
pub fn day_number(year: i32, month: u32, day: u32) -> i32 {
    clamp(days_from_civil(
        i64::from(year),
        i64::from(month),
        i64::from(day),
    ))
}

/// `YYYY-MM-DD` of a day number.
pub fn iso_date(day: i32) -> String {
    iso_date_of(i64::from(day))
}

/// ISO week-numbering year and week (1–53) of a day number.
pub fn iso_week(day: i32) -> (i32, u32) {
    let (year, week) = iso_week_of(i64::from(day));
    (year as i32, week)
}

/// The day number of a `YYYY-MM-DD` date (a time after it, `2024-12-02 08:30` or
/// `2024-12-02T08:30:00`, is ignored; `2024/12/2` works too), or `None` when it is no date.
pub fn parse_date(text: &str) -> Option<i32> {
    let date = text.trim().split([' ', 'T']).next()?;
    let mut parts = date.split(['-', '/']);
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let number = day_number(year, month, day);
    // A day past the month's end rolls over into the next month.
    (civil(i64::from(number)).1 == month).then_some(number)
}

pub(crate) fn iso_date_of(day: i64) -> String {
    let (y, m, d) = civil(day);
    format!("{y:04}-{m:02}-{d:02}")
}

pub(crate) fn iso_week_of(day: i64) -> (i64, u32) {
    // A week belongs to the year of its Thursday; 1970-01-01 was a Thursday.
    let thursday = day - (day + 3).rem_euclid(7) + 3;
    let (year, _, _) = civil(thursday);
    let week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
    (year, week as u32)
}

/// Year, month (1–12) and day (1–31) of a day number (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil(day: i64) -> (i64, u32, u32) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Hinnant's `days_from_civil`, with months out of range carried into the year first.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = year + (month - 1).div_euclid(12);
    let month = (month - 1).rem_euclid(12) + 1;
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn clamp(day: i64) -> i32 {
    day.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}
