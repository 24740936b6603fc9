import Engine
import Foundation
import Imaging

/// Where an image comes from: a file, or the bytes piped into standard input (`-` on the command line).
/// Standard input is read once, when the arguments are turned into sources, so that an image from it can be
/// decoded as often as a file can (Grad-CAM decodes its image twice).
public enum ImageSource: Equatable, Sendable {
    case file(URL)
    /// The bytes read from standard input.
    case standardInput(Data)

    /// How the image is named in outputs and messages: the path as given, or `-`.
    public var name: String {
        switch self {
        case .file(let url): return url.relativePath
        case .standardInput: return StandardInput.name
        }
    }

    /// The name used in decoding errors: the path, or "standard input (-)".
    var errorName: String {
        switch self {
        case .file(let url): return url.path
        case .standardInput: return "standard input (\(StandardInput.name))"
        }
    }
}

extension ImageInputs {
    /// Command-line image arguments as sources: `-` (also spelled `/dev/stdin`, `/dev/fd/0`) reads standard
    /// input — once, so it may appear only once; everything else as `expand` does (folders and glob patterns
    /// expanded, unless `expandingFolders` is false: then each argument is one image, as `verify` takes them).
    public static func sources(_ arguments: [String], expandingFolders: Bool = true) throws -> [ImageSource] {
        var out: [ImageSource] = []
        var stdinArgument: String?
        for argument in arguments {
            if StandardInput.spellings.contains(argument) {
                if let earlier = stdinArgument {
                    throw PredictorError(
                        "standard input is given twice (\(earlier) and \(argument)): it holds one image and can be "
                            + "read only once")
                }
                stdinArgument = argument
                out.append(.standardInput(try StandardInput.readAll(limit: ImageDecoder.maximumFileBytes)))
            } else if expandingFolders {
                out += expand([argument]).map(ImageSource.file)
            } else {
                out.append(.file(URL(fileURLWithPath: argument)))
            }
        }
        return out
    }
}
