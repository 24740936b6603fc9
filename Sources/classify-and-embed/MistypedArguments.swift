import ArgumentParser
import ClassifyEmbed
import Foundation

/// The checks `main` adds to ArgumentParser's: a mistyped subcommand (which the default `predict` would take
/// for an image path) and a mistyped option (which ArgumentParser reports only after a missing required
/// option, as "missing --split" for `--splt`).
extension ClassifyAndEmbed {
    static var subcommandNames: [String] { configuration.subcommands.compactMap { $0.configuration.commandName } }

    /// "unknown command 'verfy'; did you mean 'verify'?" when the first argument is a near miss of a
    /// subcommand and names no image.
    static func mistypedSubcommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first,
            let meant = CommandSuggestion.subcommand(for: first, among: subcommandNames)
        else { return nil }
        return "unknown command '\(first)'; did you mean '\(meant)'?"
    }

    /// For arguments that did not parse: when one of them is a long option that the subcommand does not have,
    /// says so with the closest one it has and the subcommand's usage, as ArgumentParser would, and exits with
    /// EX_USAGE (64); else returns, leaving ArgumentParser's own error to be reported.
    static func exitIfUnknownOption(_ arguments: [String]) {
        let command =
            configuration.subcommands.first { $0.configuration.commandName == arguments.first }
            ?? configuration.defaultSubcommand ?? Self.self
        guard let message = CommandSuggestion.unknownOption(in: arguments, known: optionNames(of: command)) else {
            return
        }
        let name = command.configuration.commandName.map { " \($0)" } ?? ""
        let text = """
            Error: \(message)
            Usage: \(usageString(for: command))
              See '\(configuration.commandName ?? "")\(name) --help' for more information.

            """
        FileHandle.standardError.write(Data(text.utf8))
        Foundation.exit(ExitCode.validationFailure.rawValue)
    }

    /// The long option names that `command`'s help lists (`  --name <value>` or `  -h, --help` at the start of
    /// an OPTIONS line).
    static func optionNames(of command: ParsableCommand.Type) -> [String] {
        helpMessage(for: command, includeHidden: true, columns: 10_000).split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  -") else { return nil }
            let afterShort = line.dropFirst(2).hasPrefix("--") ? line.dropFirst(2) : line.dropFirst(6)
            guard afterShort.hasPrefix("--") else { return nil }
            return String(afterShort.prefix { $0.isLetter || $0.isNumber || $0 == "-" })
        }
    }
}
