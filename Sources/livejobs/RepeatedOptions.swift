import ArgumentParser
import MetaStudio

/// Refuses a single-value option given twice (`--month 2026-10 --month 2026-11`): ArgumentParser
/// keeps the last one silently, so a command would run for something other than what was typed.
/// A switch given twice (`--full --full`, `-v -v`, `-vv`, `-v --verbose`) is refused too: the
/// README promises every option given twice is. Repeatable options (`--param`) and counted flags
/// are left alone.
enum RepeatedOptions {
    /// Throws `ValidationError` naming the first option of `command` that `arguments` (the words
    /// after the program name) give more than once, by its long name or its short one (`-v`,
    /// alone or in a cluster such as `-vv`). Words after `--` are positional, not options.
    static func check(_ command: ParsableCommand.Type, _ arguments: [String]) throws {
        let single = singleValueOptions(command)
        let switches = singleFlags(command)
        let shorts = shortNames(command)
        var seen: [String: Int] = [:]
        for word in arguments {
            if word == "--" { break }
            let names: [String]
            if word.hasPrefix("--") {
                names = [String(word.dropFirst(2).prefix { $0 != "=" })]
            } else if word.hasPrefix("-"), word.count > 1 {
                names = word.dropFirst().compactMap { shorts[$0] }
            } else {
                continue
            }
            for name in names where single.contains(name) || switches.contains(name) {
                seen[name, default: 0] += 1
                if seen[name] == 2 {
                    let shown = SafeText.escaped(name, limit: 40)
                    throw ValidationError(single.contains(name)
                        ? "--\(shown) was given twice; it takes one value, so pass it once"
                        : "--\(shown) was given twice; it is a switch, so pass it once")
                }
            }
        }
    }

    /// The long name of each of `command`'s one-letter names (`v` → `verbose`).
    static func shortNames(_ command: ParsableCommand.Type) -> [Character: String] {
        var names: [Character: String] = [:]
        for argument in describedArguments(command) {
            let all = argument["names"]?.arrayValue?.compactMap { $0.objectValue } ?? []
            guard let long = all.first(where: { $0["kind"]?.stringValue == "long" })?["name"]?.stringValue else { continue }
            for short in all where short["kind"]?.stringValue == "short" {
                if let letter = short["name"]?.stringValue, letter.count == 1 { names[letter.first!] = long }
            }
        }
        return names
    }

    /// The long names of `command`'s options that take one value, read from ArgumentParser's own
    /// description of the command (its `--experimental-dump-help` JSON, whose `isRepeating` says
    /// whether values accumulate).
    static func singleValueOptions(_ command: ParsableCommand.Type) -> Set<String> {
        longNames(command, kind: "option")
    }

    /// The long names of `command`'s on/off flags (`--full`, `--json`), which say the same thing
    /// however often they are given; `--help` is left to ArgumentParser.
    static func singleFlags(_ command: ParsableCommand.Type) -> Set<String> {
        longNames(command, kind: "flag").subtracting(["help"])
    }

    /// The long names of the non-repeating arguments of `kind` ("option" or "flag").
    private static func longNames(_ command: ParsableCommand.Type, kind: String) -> Set<String> {
        var names = Set<String>()
        for a in describedArguments(command) {
            guard a["kind"]?.stringValue == kind, a["isRepeating"] != .bool(true) else { continue }
            for name in a["names"]?.arrayValue ?? [] where name.objectValue?["kind"]?.stringValue == "long" {
                if let n = name.objectValue?["name"]?.stringValue { names.insert(n) }
            }
        }
        return names
    }

    /// The arguments of `command` as ArgumentParser describes them (`--experimental-dump-help`).
    private static func describedArguments(_ command: ParsableCommand.Type) -> [JSONObject] {
        guard let info = try? JSONParser.parse(Array(command._dumpHelp().utf8)),
              let arguments = info.objectValue?["command"]?.objectValue?["arguments"]?.arrayValue else { return [] }
        return arguments.compactMap { $0.objectValue }
    }
}
