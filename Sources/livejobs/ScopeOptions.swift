import ArgumentParser
import LiveJobsReport
import MetaStudio

/// `--project` and `--region`, shared by `report`, `query`, `compare` and `status`: which
/// projects and regions every figure covers (each repeatable; both: jobs matching both).
struct ScopeOptions: ParsableArguments {
    @Option(name: [.customLong("project"), .customLong("project-id")],
            help: ArgumentHelp("Only this project's jobs (its project_id; '' for the jobs imported without one); repeat for more.", valueName: "id"))
    var projects: [String] = []

    @Option(name: [.customLong("region")],
            help: ArgumentHelp("Only jobs fetched from (or imported for) this region, e.g. cn-north-4 ('' for none given); repeat for more.", valueName: "region"))
    var regions: [String] = []

    func validate() throws {
        for (flag, values) in [("--project", projects), ("--region", regions)] {
            for value in values {
                if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                    throw ValidationError("\(flag) '\(SafeText.escaped(value, limit: 80))' holds a control character")
                }
            }
        }
    }

    var scope: ReportScope {
        func unique(_ values: [String]) -> [String] {
            var seen = Set<String>()
            return values.filter { seen.insert($0).inserted }
        }
        return ReportScope(projects: unique(projects), regions: unique(regions))
    }
}
