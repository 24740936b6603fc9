import Engine
import Foundation

/// `evaluate` under `mpirun`: every rank runs its contiguous share of the split's rows through the model, the
/// outputs are gathered on every rank in row order (the same `Outputs` one process collects), the all-pairs
/// verification is split by tile pairs (`PairVerification.sharded`), and rank 0 writes the reports.
extension EvaluationRun.Outputs {
    /// Every rank's outputs of its share of the rows, joined in rank (= row) order on every rank, with every
    /// rank's problems, so that all ranks stop alike on a bad row.
    func joined(over group: Communicator, problems: [String]) -> (EvaluationRun.Outputs, [String]) {
        guard group.size > 1 else { return (self, problems) }
        var joined = EvaluationRun.Outputs()
        var allProblems: [String] = []
        for bytes in group.allGather(serialized(problems: problems)) {
            var reader = ByteReader(bytes)
            let classes = reader.int()
            let logitRows = reader.int()
            for _ in 0..<logitRows { joined.logits.append(reader.floats(classes)) }
            joined.truth += reader.ints(logitRows)
            joined.rowOfLogits += reader.ints(logitRows)
            let embedded = reader.int()
            let dimension = reader.int()
            joined.identities += reader.ints(embedded)
            joined.rowOfEmbedding += reader.ints(embedded)
            joined.embeddings += reader.floats(embedded * dimension)
            for _ in 0..<reader.int() { allProblems.append(reader.string()) }
        }
        return (joined, allProblems)
    }

    private func serialized(problems: [String]) -> [UInt8] {
        var writer = ByteWriter()
        writer.int(logits.first?.count ?? 0)
        writer.int(logits.count)
        for row in logits { writer.floats(row) }
        writer.ints(truth)
        writer.ints(rowOfLogits)
        writer.int(identities.count)
        writer.int(identities.isEmpty ? 0 : embeddings.count / identities.count)
        writer.ints(identities)
        writer.ints(rowOfEmbedding)
        writer.floats(embeddings)
        writer.int(problems.count)
        for problem in problems { writer.string(problem) }
        return writer.bytes
    }
}

/// Little-endian fields for the ranks' messages (written and read by the same build).
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func int(_ value: Int) { withUnsafeBytes(of: Int64(value).littleEndian) { bytes += $0 } }
    mutating func ints(_ values: [Int]) { for v in values { int(v) } }
    mutating func floats(_ values: [Float]) {
        values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { bytes += $0 }
    }
    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        int(utf8.count)
        bytes += utf8
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    mutating func int() -> Int {
        let value = bytes.withUnsafeBytes {
            Int64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: Int64.self))
        }
        offset += 8
        return Int(value)
    }
    mutating func ints(_ count: Int) -> [Int] { (0..<count).map { _ in int() } }
    mutating func floats(_ count: Int) -> [Float] {
        let values = bytes.withUnsafeBytes { raw in
            (0..<count).map {
                Float(
                    bitPattern: UInt32(
                        littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self)))
            }
        }
        offset += 4 * count
        return values
    }
    mutating func string() -> String {
        let count = int()
        defer { offset += count }
        return String(decoding: bytes[offset..<(offset + count)], as: UTF8.self)
    }
}
