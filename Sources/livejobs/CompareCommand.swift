import ArgumentParser
import Foundation
import LiveJobsStore
import LiveJobsReport
import MetaStudio

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Print rooms side by side, by room id or exact room name.",
        discussion: """
            Each ROOM is a room_id or an exact room_name. Figures are over all stored
            jobs, or over one month with --month (in time zone --tz), shown next to the
            month --against (the month before --month by default) with the change.

            Examples:
              livejobs compare "美妆直播间" "Demo Room 1" --month 2026-11
              livejobs compare "美妆直播间" --month 2026-11 --against 2026-09
              livejobs compare ec43017be7898a6118f33adcf2e6f446 美妆直播间 --format csv
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var period: MonthOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("With --month: the month to compare it with, YYYY-MM (default: the month before --month).",
                               valueName: "yyyy-mm"))
    var against: String?

    @Argument(help: ArgumentHelp("Rooms to compare (ids or exact names).", valueName: "room"))
    var rooms: [String]

    func validate() throws {
        guard !rooms.isEmpty else { throw ValidationError("name at least one room") }
        if period.tz != nil && period.month == nil {
            throw ValidationError("--tz applies only with --month: without it, compare covers every stored job, in no time zone")
        }
        if let against {
            guard ParameterBinder.isMonth(against) else {
                throw ValidationError("--against takes YYYY-MM, got '\(SafeText.escaped(against, limit: 40))'")
            }
            guard let month = period.month else {
                throw ValidationError("--against applies only with --month: it names the month --month is compared with")
            }
            guard against != month else { throw ValidationError("--against \(against) is the --month itself: name another month") }
        }
    }

    func run() throws {
        try reportingErrors("compare") {
            let zone = try period.zone()
            let catalog = try QueryCatalog.locate(explicit: output.queries)
            let context = try ReportContext(databasePath: common.databasePath, catalog: catalog, zones: [zone], scope: scope.scope,
                                            logger: common.logger("livejobs.store"))
            let comparison = RoomComparison(rooms: rooms, month: period.month, against: against, tz: zone)
            let table = try comparison.run(using: context)
            try output.emit(table, sheet: "Comparison")
            // A month no stored job started in shows zeros; said on stderr, so a CSV stays a CSV.
            if let month = period.month {
                for (flag, shown) in [("--month", month), ("--against", comparison.againstMonth ?? "")] where !shown.isEmpty {
                    if try context.jobsCounted(month: shown, tz: zone) == 0 {
                        Output.error("livejobs compare: note: no stored job started in \(shown) (\(zone), \(flag)): its figures are zeros because nothing is stored for it, not measurements\n")
                    }
                }
            }
        }
    }
}
