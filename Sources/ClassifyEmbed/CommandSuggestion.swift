import Engine
import Foundation
import Inference

/// "Did you mean" for a mistyped subcommand. `predict` is the default subcommand, so without this `verfy a b`
/// would be read as three image paths and fail as three missing files.
public enum CommandSuggestion {
    /// The subcommand `argument` was likely meant to be: nil when it is an option, `-`, an existing file or
    /// folder, a glob pattern with matches, or not within two edits of any of `subcommands`.
    public static func subcommand(for argument: String, among subcommands: [String]) -> String? {
        guard !argument.hasPrefix("-"), !subcommands.contains(argument),
            !FileManager.default.fileExists(atPath: argument),
            !ImageInputs.expand([argument]).contains(where: { FileManager.default.fileExists(atPath: $0.path) })
        else { return nil }
        return closestSuggestion(to: argument, among: subcommands)
    }
}

extension CommandSuggestion {
    /// For a command line that failed to parse: its first long option (`--name` or `--name=value`, none after
    /// a bare `--`) that is not one of `known`, as "Unknown option '--splt'. Did you mean '--split'?" (the
    /// suggestion when one is within two edits). Nil when every long option is known, so that the parser's own
    /// error stands. An unknown option is named before a missing required one that it was probably meant to be.
    public static func unknownOption(in arguments: [String], known: [String]) -> String? {
        for argument in arguments.prefix(while: { $0 != "--" }) where argument.hasPrefix("--") {
            let name = String(argument.prefix { $0 != "=" })
            guard !known.contains(name) else { continue }
            let hint = closestSuggestion(to: name, among: known).map { " Did you mean '\($0)'?" } ?? ""
            return "Unknown option '\(name)'.\(hint)"
        }
        return nil
    }
}
