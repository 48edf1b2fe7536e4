import Foundation
import MetaStudio
import LiveJobsStore

/// The words a monthly report uses for its reader (a manager who receives the file, not the person
/// who wrote the queries): the zone with its offset, the month by name, and the short definitions
/// the report carries at its end, so it reads on its own, without the project's docs.
public enum ReportWording {
    /// `Asia/Shanghai (UTC+08:00)`; a zone whose offset changes within the month gives both
    /// (`America/New_York (UTC−04:00, then UTC−05:00)`); `UTC` alone for UTC. `month` is `YYYY-MM`.
    public static func zoneName(_ tz: String, month: String) -> String {
        guard tz != "UTC", let zone = ZoneOffsets(identifier: tz), let first = monthStart(month) else { return tz }
        let next = monthStart(self.month(month, plus: 1)) ?? first + 28 * 86_400
        let begin = Int(zone.offset(at: first - zone.offset(at: first)))
        let end = Int(zone.offset(at: next - zone.offset(at: next) - 1))
        return begin == end ? "\(tz) (\(utcOffset(begin)))" : "\(tz) (\(utcOffset(begin)), then \(utcOffset(end)))"
    }

    /// `UTC+08:00`, `UTC−03:30` (a minus sign, as printed dates use), `UTC+00:00`.
    static func utcOffset(_ seconds: Int) -> String {
        let minutes = abs(seconds) / 60
        let sign = seconds < 0 ? "\u{2212}" : "+"
        return "UTC\(sign)" + String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }

    /// `November 2026` for `2026-11` (English month names, whatever the machine's locale).
    public static func monthName(_ month: String) -> String {
        let names = ["January", "February", "March", "April", "May", "June", "July", "August",
                     "September", "October", "November", "December"]
        let parts = month.split(separator: "-")
        guard parts.count == 2, let m = Int(parts[1]), (1...12).contains(m) else { return month }
        return "\(names[m - 1]) \(parts[0])"
    }

    /// A column name as a table heading in the report: `live_hours` reads `live hours` (the CSV
    /// files keep the names a query and a spreadsheet formula use).
    public static func heading(_ column: String) -> String {
        column.replacingOccurrences(of: "_", with: " ")
    }

    /// `table` with the codes of `codeColumns` as words: `error_rate` reads `error rate`, and a
    /// comma-separated list `live_hours,stream_ratio` reads `live hours, stream ratio`.
    static func words(_ table: ResultTable, codeColumns: [String]) -> ResultTable {
        var out = table
        for column in table.columns.indices where codeColumns.contains(table.columns[column]) {
            for row in out.rows.indices {
                guard case .text(let text) = out.rows[row][column] else { continue }
                out.rows[row][column] = .text(text.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: ",", with: ", ")
                                                .replacingOccurrences(of: ",  ", with: ", "))
            }
        }
        return out
    }

    /// The instant (epoch seconds, UTC) of `YYYY-MM-01T00:00:00Z`.
    static func monthStart(_ month: String) -> Double? {
        let parts = month.split(separator: "-")
        guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        return Double(RFC3339.daysFromCivil(year: y, month: m, day: 1) * 86_400)
    }

    /// The month `offset` months after `month` (`YYYY-MM`; before it for a negative offset);
    /// `month` itself when it is no month.
    static func month(_ month: String, plus offset: Int) -> String {
        let parts = month.split(separator: "-")
        guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]) else { return month }
        let index = y * 12 + (m - 1) + offset
        let (year, zeroBased) = (index >= 0 ? index / 12 : (index - 11) / 12, ((index % 12) + 12) % 12)
        return String(format: "%04d-%02d", year, zeroBased + 1)
    }

    /// The report's last section: every figure it shows, defined in a sentence (docs/METRICS.md
    /// holds the full definitions; this is what a reader needs to read the numbers right).
    public static func definitions(zone: String) -> String {
        """
        ## How to read these figures

        - **Jobs**: livestreaming jobs, each counted once, in the month (and day) it started, else the one it was created in.
        - **Hours live**: the time each job was on air (its `duration`; else end minus start; for a job still live, up to its last update). A livestream that runs past midnight or a month's end gives each day and month its share.
        - **Hours streamed**: the time the stream was pushed out (the job's `stream_duration`), shared across days in the same proportions.
        - **Stream ratio**: hours streamed divided by hours live, over the jobs that report both; jobs without stream data are left out of it, and the headline says how many hours that covers.
        - **Error rate** and **block rate**: failed (or blocked) jobs divided by the jobs that finished (succeeded, failed or were blocked); jobs still waiting or live count in neither. Shown as percentages here and as fractions (0.0687) in the CSV files.
        - **Rooms**: live rooms with a job counted in the month or hours live in it (a livestream started the month before and running into it). A room belongs to a project: two projects' rooms with the same id are two rooms.
        - **Flagged jobs**: jobs with a value that could not be used (a negative duration, an end before the start…). They are kept and counted as jobs, and left out only of the figures that value would falsify.
        - **Changes**: against the month before. Counts and hours change by their difference and a percentage of the earlier value; rates and ratios by percentage points (5 % to 6 % is +1 point). "new": the earlier value was 0, so there is no percentage. A room is `new` when it had no job or hour the month before, `gone` when it had some then and none now.
        - **Rooms that changed**: each room against its own usual level, the average of the months before it (three by default); a row names the figure that moved, by how much, and the threshold it crossed. Rooms with few jobs are left out. **Odd jobs**: livestreams with more time streamed than live, with no length, or still running far longer than their room's usual livestream. The thresholds are parameters of the query files (`room_anomalies`, `job_anomalies`) and can be changed there.
        - **Billing modes**: how each job was billed, as the API says (`used_resource_type`): PERIOD (a package bought for a period), ONDEMAND (paid per use), ONE_TIME (billed once), UNKNOW (the API's own spelling for unknown); any other value is shown as sent, and (none) when a job has none or one that is not text (such a job is flagged).
        - Days, months and times are in \(zone); every time printed carries its offset from UTC.

        """
    }
}
