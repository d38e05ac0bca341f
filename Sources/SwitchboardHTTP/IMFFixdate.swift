/// Formats the HTTP date format, IMF-fixdate (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// Done by hand from the epoch second rather than with a DateFormatter: it is a fixed-width ASCII
/// layout, needs no locale or time zone, and is about a dozen integer divisions.
public enum IMFFixdate {
    private static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// The largest second that still has a four-digit year: 9999-12-31 23:59:59 UTC.
    static let maxSecond: Int64 = 253_402_300_799

    /// The 29 bytes of the date for `epochSeconds` (clamped to years 1970–9999, the formats' range
    /// for any clock we will meet).
    public static func format(epochSeconds: Int64) -> [UInt8] {
        let seconds = min(max(epochSeconds, 0), maxSecond)
        let days = seconds / 86_400
        let secondOfDay = Int(seconds % 86_400)
        // 1970-01-01 was a Thursday.
        let weekday = Int((days + 4) % 7)
        let (year, month, day) = civilDate(daysSinceEpoch: days)

        var out: [UInt8] = []
        out.reserveCapacity(29)
        out.append(contentsOf: dayNames[weekday].utf8)
        out.append(contentsOf: ", ".utf8)
        appendTwoDigits(day, to: &out)
        out.append(HTTPByte.sp)
        out.append(contentsOf: monthNames[month - 1].utf8)
        out.append(HTTPByte.sp)
        appendTwoDigits(year / 100, to: &out)
        appendTwoDigits(year % 100, to: &out)
        out.append(HTTPByte.sp)
        appendTwoDigits(secondOfDay / 3600, to: &out)
        out.append(HTTPByte.colon)
        appendTwoDigits(secondOfDay / 60 % 60, to: &out)
        out.append(HTTPByte.colon)
        appendTwoDigits(secondOfDay % 60, to: &out)
        out.append(contentsOf: " GMT".utf8)
        return out
    }

    /// The date as a String.
    public static func string(epochSeconds: Int64) -> String {
        String(decoding: format(epochSeconds: epochSeconds), as: UTF8.self)
    }

    /// Year, month (1–12) and day (1–31) of a day count since 1970-01-01 (non-negative), by Howard
    /// Hinnant's `civil_from_days`: shift to years starting in March so the leap day is last, then
    /// count 400-year eras.
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int, month: Int, day: Int) {
        let shifted = daysSinceEpoch + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    private static func appendTwoDigits(_ value: Int, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value / 10) + UInt8(ascii: "0"))
        out.append(UInt8(truncatingIfNeeded: value % 10) + UInt8(ascii: "0"))
    }
}
