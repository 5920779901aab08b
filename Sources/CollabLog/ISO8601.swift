/// Parses the ISO-8601 UTC times traces and version names use, without Foundation:
/// `2026-11-20T14:00Z`, `2026-11-20T14:00:05.123Z`, or with a `+hh:mm` offset.
public enum ISO8601 {
    public static func milliseconds(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var value = 0
            for k in at..<(at + count) {
                guard b[k] >= 0x30 && b[k] <= 0x39 else { return nil }
                value = value * 10 + Int(b[k] - 0x30)
            }
            return value
        }
        guard let year = digits(0, 4), b.count > 10, b[4] == 0x2D, let month = digits(5, 2), b[7] == 0x2D,
            let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
            let hour = digits(11, 2), b.count > 13, b[13] == 0x3A, let minute = digits(14, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60
        else { return nil }
        var i = 16
        var second = 0
        var millis = 0
        if i < b.count && b[i] == 0x3A {
            guard let s = digits(i + 1, 2), s < 61 else { return nil }
            second = s
            i += 3
            if i < b.count && b[i] == UInt8(ascii: ".") {
                i += 1
                var scale = 100
                while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                    millis += Int(b[i] - 0x30) * scale
                    scale /= 10
                    i += 1
                }
            }
        }
        var offsetMinutes = 0
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let h = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A, let m = digits(i + 4, 2) else { return nil }
            offsetMinutes = (h * 60 + m) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        let seconds = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millis)
    }

    /// `2026-11-20T14:00:05.123Z` for a millisecond time.
    public static func format(milliseconds: Int64) -> String {
        let totalSeconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let millis = Int(milliseconds - totalSeconds * 1000)
        let days = Int(totalSeconds >= 0 ? totalSeconds / 86400 : (totalSeconds - 86399) / 86400)
        let secondOfDay = Int(totalSeconds - Int64(days) * 86400)
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        if (0...9999).contains(year) {
            // The common case as 24 bytes, without a string made per field.
            return String(unsafeUninitializedCapacity: 24) { bytes in
                func put(_ value: Int, width: Int, at offset: Int, then separator: UInt8) {
                    var rest = value
                    for digit in stride(from: width - 1, through: 0, by: -1) {
                        bytes[offset + digit] = UInt8(ascii: "0") + UInt8(rest % 10)
                        rest /= 10
                    }
                    bytes[offset + width] = separator
                }
                put(year, width: 4, at: 0, then: UInt8(ascii: "-"))
                put(month, width: 2, at: 5, then: UInt8(ascii: "-"))
                put(day, width: 2, at: 8, then: UInt8(ascii: "T"))
                put(secondOfDay / 3600, width: 2, at: 11, then: UInt8(ascii: ":"))
                put(secondOfDay / 60 % 60, width: 2, at: 14, then: UInt8(ascii: ":"))
                put(secondOfDay % 60, width: 2, at: 17, then: UInt8(ascii: "."))
                put(millis, width: 3, at: 20, then: UInt8(ascii: "Z"))
                return 24
            }
        }
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }
}
