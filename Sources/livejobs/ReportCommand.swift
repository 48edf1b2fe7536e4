import ArgumentParser
import Foundation
import MetaStudio
import LiveJobsStore
import LiveJobsReport

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the monthly report: Markdown, a CSV per query, SVG charts.",
        discussion: """
            Runs every query whose header has a `report:` line for one month and writes
            report.md, one CSV per query and the charts into --out (default reports/MONTH,
            or reports/MONTH_ZONE for another time zone). Without --month, the latest
            month that has jobs. Hours are split across months (and days) in the time zone
            --tz.

            Examples:
              livejobs report --month 2026-11
              livejobs report --month 2026-11 --tz Asia/Shanghai --out out/november --excel
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var period: MonthOptions

    @Option(help: ArgumentHelp("Folder to write into.", valueName: "dir"), transform: userPath)
    var out: String?

    @Flag(help: "Write the CSV files for Excel: UTF-8 byte order mark and CRLF line ends.")
    var excel = false

    @Flag(help: "Also write report.xlsx: a Summary sheet and a sheet per section, cells typed (integers, hours, percentages, dates).")
    var xlsx = false

    @Option(help: ArgumentHelp("Folder of stored queries.", valueName: "dir"), transform: userPath)
    var queries: String?

    func run() throws {
        try reportingErrors("report") {
            let zone = try period.zone()
            let catalog = try QueryCatalog.locate(explicit: queries)
            let context = try ReportContext(databasePath: common.databasePath, catalog: catalog, zones: [zone], scope: scope.scope,
                                            logger: common.logger("livejobs.store"))
            guard let month = try period.month ?? context.latestMonth(tz: zone) else {
                let scoped = scope.scope
                if !scoped.isEverything {
                    throw QueryError("no stored job of \(scoped.description) has a date in \(common.databasePath): name a month with --month, or another project or region")
                }
                throw QueryError("the database \(common.databasePath) holds no jobs with a date; import some first")
            }
            let report = MonthlyReport(month: month, tz: zone, csvOptions: CSVOptions(excel: excel), workbook: xlsx)
            let directory = out ?? MonthlyReport.defaultDirectory(month: month, tz: zone, scope: scope.scope)
            let files = try report.write(using: context, to: directory)
            try Output.line("wrote the \(month) report (\(zone)) to \(SafeText.escaped(files[0])) and \(files.count - 1) more files in \(SafeText.escaped(directory))")
        }
    }
}
