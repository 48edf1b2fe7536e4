import ArgumentParser

/// The simulator's command line: the local API server and its test data, one tool for both so
/// that the data a demo serves is the data a test was written against.
struct MetaStudioSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metastudio-sim",
        abstract: "A local stand-in for the MetaStudio API, and its test-data generator",
        discussion: """
            Everything it makes is deterministic: the same options give byte-identical output, \
            so sample data can be rebuilt from its command line.
            """,
        subcommands: [Generate.self, Serve.self]
    )
}

/// Runs the root command from inside an async function: there the compiler picks
/// AsyncParsableCommand's `main()`, whereas top-level code gets ParsableCommand's synchronous one,
/// which refuses an async root (swift-argument-parser issue #688).
func runMetaStudioSim() async {
    await MetaStudioSim.main()
}

await runMetaStudioSim()
