import Foundation
import TestSupport
import XCTest

/// The built `classify-and-embed`, run as a subprocess. These tests import none of the project's modules:
/// they see the tool as a user does (arguments in; stdout, stderr and the exit status out).
enum Tool {
    /// `$CLASSIFY_EMBED_BIN`, else the binary beside the test bundle (`.build/<triple>/<configuration>/`).
    /// Package.swift makes CLITests depend on the executable target, so SwiftPM builds the tool first.
    static func executable() throws -> URL {
        try BuiltProducts.executable(named: "classify-and-embed", environmentVariable: "CLASSIFY_EMBED_BIN")
    }

    static let root = PackagePaths.root
    static let samples = PackagePaths.samples
    static let shippedModel = PackagePaths.shippedModel

    /// The sample file names, sorted (`document_1.jpg` …).
    static var sampleNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: samples.path)) ?? [])
            .filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
    }

    /// The class a sample's name states: `not_a_document_3.jpg` → `not_a_document`.
    static func classOfSample(_ path: String) -> String {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        guard let underscore = stem.lastIndex(of: "_") else { return stem }
        return String(stem[..<underscore])
    }

    static let classNames = ["document", "not_a_document", "screen"]
}

extension XCTestCase {
    /// Runs the tool with `arguments` in `folder` (default: the package root, so `Data/samples` resolves) with
    /// `$CLASSIFY_EMBED_MODEL` and `$CLASSIFY_EMBED_PROGRESS` unset (the shipped model is the default; progress
    /// appears as it would in a script) plus `environment`, and `standardInput` piped in. A run past `timeout`
    /// is killed and fails the test.
    func tool(
        _ arguments: [String], in folder: URL = Tool.root, environment: [String: String?] = [:],
        standardInput: Data? = nil, timeout: TimeInterval = 60, file: StaticString = #filePath, line: UInt = #line
    ) throws -> ProcessResult {
        let base: [String: String?] = ["CLASSIFY_EMBED_MODEL": nil, "CLASSIFY_EMBED_PROGRESS": nil]
        let result = try runProcess(
            try Tool.executable(), arguments, currentDirectory: folder,
            environment: base.merging(environment) { $1 }, standardInput: standardInput, timeout: timeout)
        if result.timedOut { XCTFail("the tool hung: \(result)", file: file, line: line) }
        return result
    }

    /// Asserts that the run ended normally with `status`.
    func assertExit(
        _ result: ProcessResult, _ status: Int32, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertFalse(result.signalled, "\(result)", file: file, line: line)
        XCTAssertEqual(result.status, status, "\(result)", file: file, line: line)
    }

    /// Asserts that the run ended normally with a non-zero status (a reported error, not a crash).
    func assertFailure(_ result: ProcessResult, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(result.signalled, "crashed instead of reporting an error: \(result)", file: file, line: line)
        XCTAssertNotEqual(result.status, 0, "\(result)", file: file, line: line)
    }

    /// Decodes every stdout line as `T` (JSON Lines).
    func decodeLines<T: Decodable>(
        _: T.Type, _ result: ProcessResult, file: StaticString = #filePath, line: UInt = #line
    ) throws -> [T] {
        try result.stdoutLines.map { text in
            do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
                XCTFail("not a \(T.self) line: \(text) (\(error))", file: file, line: line)
                throw error
            }
        }
    }
}

/// One line of `predict --json` / `match --json` (the README's schema).
struct PredictionLine: Decodable {
    var file: String
    var ok: Bool
    var error: String?
    var `class`: String?
    var probabilities: [String: Double]?
    var topK: [RankedClass]?
    var embedding: [Float]?
    var embeddingSize: Int?
    var match: MatchRecord?
    var modelID: String

    enum CodingKeys: String, CodingKey {
        case file, ok, error, `class`, probabilities, embedding, match
        case topK = "top_k"
        case embeddingSize = "embedding_size"
        case modelID = "model_id"
    }
}

/// One entry of a prediction line's `top_k`.
struct RankedClass: Decodable, Equatable {
    var `class`: String
    var probability: Double
}

/// The `match` object of a prediction line.
struct MatchRecord: Decodable {
    var label: String
    var similarity: Double
    var threshold: Double
    var fpr: Double?
    var matched: Bool
}

/// One row of a model file's stored threshold table (`thresholds` metadata, written by `evaluate
/// --write-thresholds`).
struct StoredThreshold: Decodable {
    var fprTarget: Double
    var threshold: Double
    var tpr: Double

    enum CodingKeys: String, CodingKey { case fprTarget, threshold, tpr }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fprTarget = try c.decode(Double.self, forKey: .fprTarget)
        tpr = try c.decode(Double.self, forKey: .tpr)
        // An unreachable level is stored as the string "inf" (JSON has no infinity).
        if let text = try? c.decode(String.self, forKey: .threshold) {
            threshold = text.hasPrefix("-") ? -.infinity : .infinity
        } else {
            threshold = try c.decode(Double.self, forKey: .threshold)
        }
    }

    static func table(of model: URL) throws -> [StoredThreshold] {
        guard let text = try safeTensorsMetadata(model)["thresholds"] else { return [] }
        return try JSONDecoder().decode([StoredThreshold].self, from: Data(text.utf8))
    }
}
