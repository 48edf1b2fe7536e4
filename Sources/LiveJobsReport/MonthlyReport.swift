import Foundation
import MetaStudio

/// The monthly usage report: one Markdown file with the headline figures and a section per
/// report query, one CSV per query and an SVG chart where a query asks for one.
public struct MonthlyReport {
    public let month: String
    public let tz: String
    public let csvOptions: CSVOptions
    /// Also write `report.xlsx`: a Summary sheet (the headline's figures) and one sheet per section.
    public let workbook: Bool

    public init(month: String, tz: String, csvOptions: CSVOptions, workbook: Bool = false) {
        self.month = month
        self.tz = tz
        self.csvOptions = csvOptions
        self.workbook = workbook
    }

    /// The folder a report goes to when the user names none: `reports/2026-11` or `reports/2026-11_Asia-Shanghai`.
    /// With `--project`/`--region`, their values follow (`reports/2026-11_P1+cn-north-4`), so that a
    /// limited report never overwrites the whole one; a character other than a letter, a digit, `.`,
    /// `-` or `_` becomes `_`.
    public static func defaultDirectory(month: String, tz: String, scope: ReportScope = .everything) -> String {
        var name = tz == "UTC" ? "reports/\(month)" : "reports/\(month)_\(tz.replacingOccurrences(of: "/", with: "-"))"
        if !scope.isEverything {
            let parts = (scope.projects + scope.regions).map { value in
                value.isEmpty ? "none" : String(value.unicodeScalars.map { c -> Character in
                    (c.isASCII && (CharacterSet.alphanumerics.contains(c) || ".-_".unicodeScalars.contains(c))) ? Character(c) : "_"
                }.prefix(64))
            }
            name += "_" + parts.joined(separator: "+")
        }
        return name
    }

    /// Writes every file into `directory` and returns the paths written, Markdown first. Throws
    /// `OutputFileError` (which path and why, one line) when the folder or a file cannot be written.
    public func write(using context: ReportContext, to directory: String) throws -> [String] {
        try OutputFileError.makeFolder(directory)
        var written: [String] = []
        var sections: [String] = []
        var headline: ResultTable?
        var sheets: [XLSXWorkbook.Sheet] = []
        let places = try context.places(tz: tz)
        let zoneName = ReportWording.zoneName(tz, month: month)
        /// Runs `query` for the month (binding `month` and `tz` where it declares them) and writes its CSV.
        func run(_ query: QueryFile) throws -> ResultTable {
            let params = query.parameters.reduce(into: [String: String]()) { params, p in
                if p.name == "month" { params["month"] = month }
                if p.name == "tz" { params["tz"] = tz }
            }
            let table = try context.run(query, params: params)
            let csvPath = (directory as NSString).appendingPathComponent("\(query.name).csv")
            try CSVWriter.write(table, to: URL(fileURLWithPath: csvPath), options: csvOptions)
            written.append(csvPath)
            return table
        }
        for query in context.catalog.reportQueries {
            let table = try run(query)
            if query.name == "month_summary" {
                headline = table
                sheets.insert(XLSXWorkbook.Sheet(name: "Summary", table: table), at: 0)
                continue
            }
            sheets.append(XLSXWorkbook.Sheet(name: query.title, table: table))
            var section = "## \(MarkdownTable.escapeInline(query.title))\n\n"
            if !query.readerText.isEmpty { section += MarkdownTable.escapeInline(query.readerText) + "\n\n" }
            let svgPath = (directory as NSString).appendingPathComponent("\(query.name).svg")
            let svg = table.rows.isEmpty ? nil : query.chart.flatMap { ReportCharts.render($0, title: query.title, table: table) }
            if let svg {
                try OutputFileError.writing(svgPath) { try svg.write(toFile: svgPath, atomically: true, encoding: .utf8) }
                written.append(svgPath)
            } else if query.chart != nil, FileManager.default.fileExists(atPath: svgPath) {
                // No chart this time: an earlier report's chart of the same name must not stay beside this one.
                try OutputFileError.writing(svgPath) { try FileManager.default.removeItem(atPath: svgPath) }
            }
            if table.rows.isEmpty {
                section += MarkdownTable.escapeInline(query.emptyText ?? "Nothing to show for \(ReportWording.monthName(month)).") + "\n\n"
                section += "Data: [\(query.name).csv](\(query.name).csv)\n"
                sections.append(section)
                continue
            }
            if svg != nil { section += "![\(MarkdownTable.escapeInline(query.title))](\(query.name).svg)\n\n" }
            // The zone is named once per section, not on every row (the CSV files keep the `tz`
            // column); with one project, the heading names it and the tables leave out the
            // columns that would repeat it on every row.
            var shown = table.dropping(places.count <= 1 ? ["tz", "project_id", "region"] : ["tz"])
            shown = ReportWording.words(shown, codeColumns: query.codeColumns)
            shown.columns = shown.columns.map(ReportWording.heading)
            section += MarkdownTable.render(shown) + "\n"
            section += "Days and times in \(zoneName). Data: [\(query.name).csv](\(query.name).csv)\n"
            sections.append(section)
        }
        var markdown = "# Livestream usage, \(ReportWording.monthName(month)), \(zoneName)\n\n"
        if !context.scope.isEverything {
            markdown += "Only \(MarkdownTable.escapeInline(context.scope.description)): every other stored project and region is left out of every figure.\n\n"
        }
        if let place = places.first, places.count == 1, place.projectId != nil || place.region != nil {
            markdown += "Project \(MarkdownTable.escapeInline(place.projectId ?? "(none given)"))"
                + (place.region.map { ", region \(MarkdownTable.escapeInline($0))" } ?? "") + ".\n\n"
        }
        markdown += try ReportWarnings.markdown(using: context, month: month, tz: tz)
        markdown += "Made by livejobs from `\(MarkdownTable.escapeInline(UserPath.lastComponent(context.databasePath)))`. "
        markdown += "Hours fall in the month they were live in, days and months in \(zoneName); "
        markdown += "\"How to read these figures\" at the end defines each figure.\n\n"
        if let headline {
            // The headline's own queries: the change of each figure, and the month per project.
            var extra: [String: ResultTable] = [:]
            for name in ["month_over_month", "month_by_project"] {
                guard let query = context.catalog.queries.first(where: { $0.name == name }) else { continue }
                extra[name] = try run(query)
            }
            markdown += Headline.render(headline, changes: extra["month_over_month"], projects: extra["month_by_project"]) + "\n"
        }
        markdown += sections.joined(separator: "\n")
        markdown += "\n" + ReportWording.definitions(zone: zoneName)
        if workbook {
            let xlsxPath = (directory as NSString).appendingPathComponent("report.xlsx")
            try XLSXWorkbook(sheets: sheets).write(to: URL(fileURLWithPath: xlsxPath))
            written.append(xlsxPath)
        }
        let mdPath = (directory as NSString).appendingPathComponent("report.md")
        try OutputFileError.writing(mdPath) { try markdown.write(toFile: mdPath, atomically: true, encoding: .utf8) }
        return [mdPath] + written
    }
}

/// Draws the chart a query header asks for from two of its columns.
enum ReportCharts {
    static func render(_ spec: QueryFile.ChartSpec, title: String, table: ResultTable) -> String? {
        guard let l = table.columns.firstIndex(of: spec.labelColumn),
              let v = table.columns.firstIndex(of: spec.valueColumn) else { return nil }
        let labels = table.rows.map { row -> String in
            if case .text(let s) = row[l] { return s }
            return CellFormatter.plain(row[l])
        }
        let values = table.rows.map { row -> Double in
            switch row[v] {
            case .integer(let i): return Double(i)
            case .real(let d): return d
            default: return 0
            }
        }
        let unit = spec.valueColumn.hasSuffix("_hours") ? "h" : ""
        switch spec.style {
        case .bar: return BarChart(title: title, labels: labels, values: values, unit: unit).render()
        case .column: return ColumnChart(title: title, labels: labels, values: values, unit: unit).render()
        }
    }
}
