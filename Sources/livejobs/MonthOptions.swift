import ArgumentParser
import LiveJobsReport
import MetaStudio

/// `--month` and `--tz`, shared by `report` and `compare`: one month, and the IANA time zone whose
/// calendar splits hours into days and months. Each command says what it does without `--month`
/// (`report`: the latest month with jobs; `compare`: every stored job, where `--tz` has no use).
struct MonthOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The month, YYYY-MM.", valueName: "yyyy-mm"))
    var month: String?

    @Option(help: ArgumentHelp("IANA time zone of the month's days and hours (default UTC).", valueName: "zone"))
    var tz: String?

    func validate() throws {
        if let month, !ParameterBinder.isMonth(month) {
            throw ValidationError("--month takes YYYY-MM, got '\(SafeText.escaped(month, limit: 40))'")
        }
        if let tz { _ = try validatedZone(tz) }
    }

    /// The zone's stored name (`Asia/Kolkata` for `Asia/Calcutta`), UTC without `--tz`; throws the
    /// `ValidationError` (exit 64) `validate` throws.
    func zone() throws -> String { try validatedZone(tz ?? "UTC") }
}
