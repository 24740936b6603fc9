import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished (or killed) subprocess left behind.
public struct ProcessResult: CustomStringConvertible, Sendable {
    public var executable: String
    public var arguments: [String]
    /// The exit status, or the signal number when `signalled`.
    public var status: Int32
    /// Killed by a signal (also after a timeout).
    public var signalled: Bool
    /// The timeout passed and the process was killed.
    public var timedOut: Bool
    public var stdout: String
    public var stderr: String
    public var seconds: Double

    /// stdout split into lines, without the empty line after the final newline.
    public var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    /// For failure messages: the command, how it ended and the tail of both streams.
    public var description: String {
        let how =
            timedOut
            ? "timed out after \(String(format: "%.1f", seconds)) s and was killed"
            : signalled ? "killed by signal \(status)" : "exit status \(status)"
        func tail(_ s: String) -> String { s.count > 4000 ? "…" + String(s.suffix(4000)) : s }
        return """
            `\(([executable] + arguments).joined(separator: " "))`: \(how) (\(String(format: "%.2f", seconds)) s)
            --- stdout ---
            \(tail(stdout))
            --- stderr ---
            \(tail(stderr))
            """
    }
}

/// A subprocess that could not be started.
public struct SubprocessError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Runs `executable` with `arguments` to completion, or kills it once `timeout` seconds have passed (SIGTERM,
/// then SIGKILL 5 s later), so that a hang fails a test instead of blocking CI. stdout and stderr go to
/// temporary files (no pipe can fill up and stall the child); standard input is /dev/null unless given.
///
/// - Parameters:
///   - currentDirectory: the child's working directory (default: this process's).
///   - environment: changes to this process's environment: a value sets the variable, `nil` removes it.
///   - standardInput: bytes the child reads from a pipe as its standard input (default: /dev/null).
public func runProcess(
    _ executable: URL, _ arguments: [String], currentDirectory: URL? = nil,
    environment: [String: String?] = [:], standardInput: Data? = nil, timeout: TimeInterval = 60
) throws -> ProcessResult {
    let scratch = try TemporaryDirectory(prefix: "subprocess")
    let outURL = scratch.file("stdout")
    let errURL = scratch.file("stderr")
    for u in [outURL, errURL] {
        guard FileManager.default.createFile(atPath: u.path, contents: nil) else {
            throw SubprocessError(description: "cannot create \(u.path)")
        }
    }
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    defer {
        try? out.close()
        try? err.close()
    }

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let input = standardInput.map { _ in Pipe() }
    process.standardInput = input ?? FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err

    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    let started = Date()
    do { try process.run() } catch {
        throw SubprocessError(description: "cannot start \(executable.path): \(error)")
    }
    if let input, let standardInput {
        // From another thread, so that a child that stops reading (it failed early) cannot block this one.
        let writer = input.fileHandleForWriting
        DispatchQueue.global().async {
            try? writer.write(contentsOf: standardInput)
            try? writer.close()
        }
    }
    var timedOut = false
    if finished.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        process.terminate()
        if finished.wait(timeout: .now() + 5) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
    }
    process.waitUntilExit()
    let seconds = Date().timeIntervalSince(started)
    try? out.synchronize()
    try? err.synchronize()
    let stdout = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
    let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
    return ProcessResult(
        executable: executable.path, arguments: arguments, status: process.terminationStatus,
        signalled: process.terminationReason == .uncaughtSignal, timedOut: timedOut, stdout: stdout,
        stderr: stderr, seconds: seconds)
}
