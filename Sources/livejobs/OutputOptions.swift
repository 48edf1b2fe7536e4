import ArgumentParser
import Foundation
import LiveJobsReport
import MetaStudio

/// How query results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, markdown, csv, json, xlsx
}

/// Options of the commands that print query results.
struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Output format: table, markdown, csv, json or xlsx (an Excel workbook, to --output).", valueName: "format"))
    var format: OutputFormat = .table

    @Option(help: ArgumentHelp("File to write instead of standard output (needed for xlsx when standard output is a terminal).", valueName: "path"), transform: userPath)
    var output: String?

    @Flag(help: "CSV for Excel: UTF-8 byte order mark and CRLF line ends.")
    var excel = false

    @Option(help: ArgumentHelp("Folder of stored queries (default: $LIVEJOBS_QUERIES, ./queries, or the installed set).", valueName: "dir"), transform: userPath)
    var queries: String?

    func validate() throws {
        if excel && format != .csv {
            throw ValidationError("--excel applies only to --format csv (it adds a byte order mark and CRLF line ends to CSV)")
        }
        if format == .xlsx && output == nil && isatty(STDOUT_FILENO) == 1 {
            throw ValidationError("--format xlsx writes a binary workbook: name a file with --output (or redirect standard output)")
        }
    }

    /// Writes `table` in the chosen format to --output, else to standard output. `sheet` names the
    /// workbook's sheet. Throws `OutputFileError` when the file cannot be written.
    func emit(_ table: ResultTable, sheet: String) throws {
        let data = try render(table, sheet: sheet)
        if let output {
            try OutputFileError.writing(output) { try data.write(to: URL(fileURLWithPath: output), options: .atomic) }
            try Output.line("wrote \(table.rows.count) row\(table.rows.count == 1 ? "" : "s") (\(format.rawValue)) to \(SafeText.escaped(output))")
        } else {
            try Output.write(data)
        }
    }

    /// `table` in the chosen format; `sheet` names the workbook's one sheet for xlsx. Throws
    /// `OutputFileError` for a table no workbook can hold.
    func render(_ table: ResultTable, sheet: String) throws -> Data {
        switch format {
        case .table: return Data(TextTable.render(table).utf8)
        case .markdown: return Data(MarkdownTable.render(table).utf8)
        case .csv: return Data(CSVWriter.render(table, options: CSVOptions(excel: excel)))
        case .json: return Data(JSONRows.render(table).utf8)
        case .xlsx: return try XLSXWorkbook(sheets: [.init(name: sheet, table: table)]).data()
        }
    }
}
