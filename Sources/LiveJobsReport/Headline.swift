import Foundation

/// The headline block: the one row of `month_summary` as a short list a manager can paste, each
/// figure followed by its change against the previous month (the rows of `month_over_month`),
/// a line on the stream ratio's coverage, and a table per project and region
/// (`month_by_project`) when the month has more than one.
enum Headline {
    /// `summary`: `month_summary`'s table (one row). `changes`: `month_over_month`'s (one row per
    /// figure; nil or empty: no changes shown). `projects`: `month_by_project`'s (shown when it
    /// has two rows or more).
    static func render(_ summary: ResultTable, changes: ResultTable? = nil, projects: ResultTable? = nil) -> String {
        guard let row = summary.rows.first else { return "" }
        func value(_ column: String) -> Cell {
            guard let i = summary.columns.firstIndex(of: column) else { return .null }
            return row[i]
        }
        func number(_ column: String) -> String {
            let v = CellFormatter.plain(value(column))
            return v.isEmpty ? "n/a" : v
        }
        func percent(_ column: String) -> String { Headline.percent(value(column)) }
        let moves = Changes(changes)
        var lines = ["## Headline", ""]
        if let intro = moves.intro { lines += [intro, ""] }
        func n(_ column: String) -> String { number(column) + moves.suffix(column) }
        func p(_ column: String) -> String { percent(column) + moves.suffix(column) }
        /// `room` after 1, `rooms` after any other count.
        func noun(_ column: String, _ one: String, _ many: String) -> String { number(column) == "1" ? one : many }
        lines.append("- **Jobs:** \(n("jobs")) in \(n("rooms")) \(noun("rooms", "room", "rooms")); \(n("failed_jobs")) failed, \(n("blocked_jobs")) blocked, \(n("ongoing_jobs")) still live, \(n("jobs_without_duration")) without a duration")
        lines.append("- **Hours live:** \(n("live_hours")) · **hours streamed:** \(n("streamed_hours")) · **stream ratio:** \(p("stream_ratio"))")
        if number("jobs") == "0", !["0", "n/a"].contains(number("live_hours")) {
            // No job started in the month, yet it has hours: say whose, or "Jobs: 0" reads as "nothing ran".
            lines.append("- These hours come from livestreams that started in an earlier month and ran into this one "
                + "(a job is counted in the month it started).")
        }
        if summary.columns.contains("ratio_live_hours") {
            lines.append("- **Stream ratio coverage:** \(n("ratio_live_hours")) of the \(number("live_hours")) live hours have stream data; "
                + "\(n("jobs_without_stream")) \(noun("jobs_without_stream", "job has", "jobs have")) none (the ratio counts only live time with stream data)")
        }
        lines.append("- **Error rate:** \(p("error_rate")) · **block rate:** \(p("block_rate"))")
        if summary.columns.contains("flagged_jobs") {
            let flagged = number("flagged_jobs")
            lines.append("- **Data quality:** \(n("flagged_jobs")) \(noun("flagged_jobs", "job", "jobs")) flagged" + (flagged == "0" ? "" :
                ": stored, and left out of the figures their unusable values would falsify (see Data quality)"))
        }
        var text = lines.joined(separator: "\n") + "\n"
        if let projects, projects.rows.count > 1 {
            text += "\n### By project\n\n"
            // The stream ratio's coverage stays beside the ratio, as everywhere a ratio is shown.
            var shown = projects.dropping(["failed_jobs", "blocked_jobs", "tz"])
            shown.columns = shown.columns.map(ReportWording.heading)
            text += MarkdownTable.render(shown) + "\n"
        }
        return text
    }

    /// A fraction as a percentage with two decimals (`0.0794` → `7.94 %`); `n/a` when empty.
    static func percent(_ cell: Cell) -> String {
        switch cell {
        case .real(let d): return String(format: "%.2f %%", d * 100)
        case .integer(let i): return "\(i * 100) %"
        default: return "n/a"
        }
    }

    /// `month_over_month` read by figure: what follows each figure in the headline.
    struct Changes {
        var intro: String?
        var byFigure: [String: [String: Cell]] = [:]

        init(_ table: ResultTable?) {
            guard let table, !table.rows.isEmpty else { return }
            for row in table.rows {
                var fields: [String: Cell] = [:]
                for (i, column) in table.columns.enumerated() { fields[column] = row[i] }
                if case .text(let figure) = fields["figure"] ?? .null { byFigure[figure] = fields }
            }
            let first = byFigure.values.first ?? [:]
            let month = CellFormatter.plain(first["month"] ?? .null)
            let previous = CellFormatter.plain(first["previous_month"] ?? .null)
            if case .text("first month") = first["comparison"] ?? .null {
                // True whether the month has jobs or is itself before the stored ones (the warnings say which).
                intro = "No month before \(ReportWording.monthName(month)) is stored: there is no earlier month to compare with."
            } else {
                let name = ReportWording.monthName(previous)
                intro = "In brackets, the change against \(name): absolute, then relative for counts and hours; "
                    + "rates and ratios change in percentage points. \"new\": the figure was 0 in \(name)."
            }
        }

        /// ` (+4, +3.4 %)`, ` (+1.30 points)`, ` (+3, new)`, ` (±0)`, ` (change n/a)`; empty for the first month
        /// or a figure `month_over_month` does not have.
        func suffix(_ figure: String) -> String {
            guard let fields = byFigure[figure], case .text(let comparison) = fields["comparison"] ?? .null,
                  comparison != "first month" else { return "" }
            let change = fields["change"] ?? .null
            let relative = fields["relative_change"] ?? .null
            switch comparison {
            case "points":
                guard let d = Self.double(change) else { return " (change n/a)" }
                if d == 0 { return " (±0 points)" }
                return " (" + String(format: "%+.2f points", d * 100) + ")"
            case "n/a":
                guard let d = Self.double(change) else { return " (change n/a)" }
                return d == 0 ? " (±0)" : " (\(Self.signed(change)))"
            case "new":
                return " (\(Self.signed(change)), new)"
            default:
                guard Self.double(change) != 0 else { return " (±0)" }
                guard let r = Self.double(relative) else { return " (\(Self.signed(change)))" }
                return " (\(Self.signed(change)), " + String(format: "%+.1f %%", r * 100) + ")"
            }
        }

        static func double(_ cell: Cell) -> Double? {
            switch cell {
            case .integer(let i): return Double(i)
            case .real(let d): return d
            default: return nil
            }
        }

        /// A change with its sign: `+4`, `-2.5`, `±0`.
        static func signed(_ cell: Cell) -> String {
            guard let d = double(cell) else { return "n/a" }
            if d == 0 { return "±0" }
            return (d > 0 ? "+" : "") + CellFormatter.plain(cell)
        }
    }
}
