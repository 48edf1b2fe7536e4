import Foundation

/// Names a process so that it cannot be mistaken for a later one given the same id: the machine
/// (host name and boot), and the process's start time since boot from `/proc/<pid>/stat`. A fetch
/// records this in its `sync_runs` row; a later fetch uses it to tell a killed fetch's row from
/// one whose process still runs.
public enum ProcessIdentity {
    /// `host|boot id|start ticks` of `pid`, or nil when `/proc` cannot say (not Linux, no procfs).
    public static func current(pid: Int32) -> String? {
        guard let start = startTicks(pid: pid) else { return nil }
        return "\(machine)|\(start)"
    }

    /// Whether the process recorded as `recorded` (see `current`) with id `pid` has certainly ended:
    /// recorded on this machine since its last boot, and no process `pid` runs now with that start
    /// time (or it is a zombie). A record from another machine or boot of a shared file, or one this
    /// machine cannot check, is never said to be gone.
    public static func isGone(pid: Int32, recorded: String) -> Bool {
        let parts = recorded.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == hostName, let bootId, parts[1] != "-" else { return false }
        // The same machine restarted since: every process of the earlier boot has ended.
        guard parts[1] == bootId else { return true }
        guard let now = stat(pid: pid) else { return true }
        return now.state == "Z" || now.start != parts[2]
    }

    /// The host name and boot id: processes of one machine since one boot.
    static let machine = "\(hostName)|\(bootId ?? "-")"

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "-" }
        return String(cString: buffer).replacingOccurrences(of: "|", with: "_")
    }()

    static let bootId: String? = {
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    static func startTicks(pid: Int32) -> String? { stat(pid: pid)?.start }

    /// The state letter and start time (field 22) of `/proc/<pid>/stat`. The command name, field 2,
    /// is in parentheses and may hold spaces and parentheses itself, so fields are counted after
    /// the last `)`.
    static func stat(pid: Int32) -> (state: String, start: String)? {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return (String(fields[0]), String(fields[19]))
    }
}
