/// A plain-text table for people: a header row, columns padded to their widest cell, two spaces
/// between columns, no trailing spaces. Widths count characters (grapheme clusters), so a name
/// with accents lines up like one without.
public struct TextTable: Sendable {
    public let header: [String]
    public private(set) var rows: [[String]] = []

    public init(header: [String]) {
        self.header = header
    }

    /// Adds a row; missing cells are blank, extra cells are an error of the caller.
    public mutating func append(_ row: [String]) {
        precondition(row.count <= header.count, "a row has more cells than the table has columns")
        rows.append(row + Array(repeating: "", count: header.count - row.count))
    }

    /// The table, one line per row, each ending in a newline.
    public func render() -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], Self.clean(cell).count) }
        }
        var text = ""
        for row in [header] + rows {
            var line = ""
            for (column, cell) in row.enumerated() {
                let cell = Self.clean(cell)
                line += cell
                if column < row.count - 1 { line += String(repeating: " ", count: widths[column] - cell.count + 2) }
            }
            while line.last == " " { line.removeLast() }
            text += line + "\n"
        }
        return text
    }

    /// A cell on one line: names come from users, and a newline or tab in one would break the columns.
    static func clean(_ cell: String) -> String {
        guard cell.contains(where: { $0.isNewline || $0 == "\t" }) else { return cell }
        return String(cell.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }
}
