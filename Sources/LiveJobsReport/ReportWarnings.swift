import Foundation

/// The warnings a report opens with, before its headline: the rows of the stored query
/// `report_warnings` for the report's month and zone (the month not over yet, no jobs in it, a
/// project's last fetch failed, interrupted, incomplete or still running, or its data older than
/// the month's end), each row's `warning` text one item of a Markdown blockquote.
enum ReportWarnings {
    static let queryName = "report_warnings"

    /// The blockquote followed by a blank line, or "" when there is no warning or the catalog has no
    /// `report_warnings` query (a folder of the user's own queries). `:now` is left to the clock.
    static func markdown(using context: ReportContext, month: String, tz: String) throws -> String {
        guard let query = context.catalog.queries.first(where: { $0.name == queryName }) else { return "" }
        let table = try context.run(query, params: ["month": month, "tz": tz])
        guard let column = table.columns.firstIndex(of: "warning") else { return "" }
        let items = table.rows.compactMap { row -> String? in
            guard case .text(let text) = row[column], !text.isEmpty else { return nil }
            return "> - " + MarkdownTable.escapeInline(text)
        }
        guard !items.isEmpty else { return "" }
        return (["> **Read this first:**", ">"] + items).joined(separator: "\n") + "\n\n"
    }
}
