import ArgumentParser
import Foundation
import LiveJobsStore
import MetaStudio

struct ZonesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zones",
        abstract: "List the time zones whose per-day hours are kept, or drop one.",
        discussion: """
            The first report or query in a time zone splits every job's hours into that
            zone's days once, and every later import keeps those rows current. A zone used
            by mistake costs every later import; --drop removes its rows (a later report
            in it computes them again). UTC is always kept.

            Examples:
              livejobs zones
              livejobs zones --drop Asia/Shanghai
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("Stop keeping this zone's per-day rows.", valueName: "zone"))
    var drop: String?

    func run() throws {
        try reportingErrors("zones") {
            let store = try JobStore(path: common.databasePath, logger: common.logger("livejobs.store"), access: .upkeep)
            defer { try? store.close() }
            if let drop {
                let rows: Int
                do {
                    rows = try store.dropUsage(for: drop)
                } catch let refused as ZoneNotDroppable {
                    // The user's argument, not the database: exit 64.
                    let why = refused.kept.map { kept in
                        "no such time zone is kept in \(SafeText.escaped(common.databasePath)) "
                            + "(kept: \(kept.map { SafeText.escaped($0, limit: 64) }.joined(separator: ", ")))"
                    } ?? "UTC is always kept: reports without --tz use it"
                    printError("zones", "--drop \(SafeText.escaped(drop, limit: 64)): \(why)")
                    throw ExitCode(ExitCodes.usage)
                }
                try Output.line("dropped time zone \(SafeText.escaped(drop, limit: 64)): \(rows) per-day rows deleted")
                return
            }
            var text = "time zones kept in \(SafeText.escaped(common.databasePath)):\n"
            for zone in try store.usageZones() {
                text += "  \(SafeText.escaped(zone.tz, limit: 64))  \(zone.days) per-day rows, since \(zone.builtAt)\n"
            }
            try Output.write(text)
        }
    }
}
