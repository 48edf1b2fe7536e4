import ArgumentParser
import Foundation
import LiveJobsReport

/// How query results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, markdown, csv, json
}

/// Options of the commands that print query results.
struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Output format: table, markdown, csv or json.", valueName: "format"))
    var format: OutputFormat = .table

    @Flag(help: "CSV for Excel: UTF-8 byte order mark and CRLF line ends.")
    var excel = false

    @Option(help: ArgumentHelp("Folder of stored queries (default: $LIVEJOBS_QUERIES, ./queries, or the installed set).", valueName: "dir"), transform: userPath)
    var queries: String?

    func validate() throws {
        if excel && format != .csv {
            throw ValidationError("--excel applies only to --format csv (it adds a byte order mark and CRLF line ends to CSV)")
        }
    }

    func render(_ table: ResultTable) -> Data {
        switch format {
        case .table: return Data(TextTable.render(table).utf8)
        case .markdown: return Data(MarkdownTable.render(table).utf8)
        case .csv: return Data(CSVWriter.render(table, options: CSVOptions(excel: excel)))
        case .json: return Data(JSONRows.render(table).utf8)
        }
    }
}
