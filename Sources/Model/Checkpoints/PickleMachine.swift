/// A pickle interpreter for the subset of protocol 2 (and the protocol-4 framing opcodes) that
/// `torch.save(state_dict)` writes. It builds values only: globals are resolved against a fixed list
/// (`PickleGlobal`) and "called" by constructing the matching value, so nothing in the file is ever executed.
/// Every length read from the file is checked against the bytes that remain before anything is allocated.
struct PickleMachine {
    /// The loader's answer to a persistent id (`BINPERSID`): the storage it names.
    typealias PersistentLoad = (_ pid: PickleValue, _ offset: Int) throws -> PickleValue

    /// Containers nested deeper than this are refused (a state dict needs about five levels).
    static let maxDepth = 64

    private let file: String
    private let bytes: UnsafeRawBufferPointer
    /// Offset of `bytes[0]` in the file, so errors name file offsets.
    private let base: Int
    private var position: Int
    /// Offset of the opcode being executed.
    private var opcodeStart = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    /// A machine reading `bytes` from `start`; `base` is the offset of `bytes` in `file`.
    init(file: String, bytes: UnsafeRawBufferPointer, start: Int = 0, base: Int = 0) {
        self.file = file
        self.bytes = bytes
        self.base = base
        self.position = start
    }

    /// Where the next pickle starts once `run` has returned (legacy files hold several in a row).
    var end: Int { position }

    /// Runs one pickle to its STOP and returns the value it leaves.
    mutating func run(persistentLoad: PersistentLoad) throws -> PickleValue {
        stack = []
        marks = []
        memo = [:]
        while true {
            opcodeStart = position
            let op = try readByte()
            switch op {
            case 0x80:  // PROTO
                let version = try readByte()
                guard version <= 5 else { throw malformed("pickle protocol \(version) is not supported") }
            case 0x95:  // FRAME: a length hint only; the frame's opcodes follow inline
                _ = try read(8)
            case 0x2E:  // STOP
                guard stack.count == 1, marks.isEmpty else {
                    throw malformed("STOP with \(stack.count) values on the stack (expected 1)")
                }
                return stack[0]
            case 0x28: marks.append(stack.count)  // MARK
            case 0x7D: stack.append(.dict(PickleDict()))  // EMPTY_DICT
            case 0x5D: stack.append(.list(PickleList()))  // EMPTY_LIST
            case 0x29: stack.append(.makeTuple([]))  // EMPTY_TUPLE
            case 0x4E: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x4B: stack.append(.int(Int64(try readByte())))  // BININT1
            case 0x4D: stack.append(.int(Int64(try readUInt(2))))  // BININT2
            case 0x4A: stack.append(.int(Int64(Int32(truncatingIfNeeded: try readUInt(4)))))  // BININT
            case 0x8A: stack.append(try readLong1())  // LONG1
            case 0x47: stack.append(.float(Double(bitPattern: try readBigEndian64())))  // BINFLOAT
            case 0x58: stack.append(.string(try readString(Int(try readUInt(4)))))  // BINUNICODE
            case 0x8C: stack.append(.string(try readString(Int(try readByte()))))  // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try readString(try readLength8())))  // BINUNICODE8
            case 0x54: stack.append(.string(try readString(Int(try readUInt(4)))))  // BINSTRING
            case 0x55: stack.append(.string(try readString(Int(try readByte()))))  // SHORT_BINSTRING
            case 0x42: stack.append(.bytes(try read(Int(try readUInt(4)))))  // BINBYTES
            case 0x43: stack.append(.bytes(try read(Int(try readByte()))))  // SHORT_BINBYTES
            case 0x71: try put(Int(try readByte()))  // BINPUT
            case 0x72: try put(Int(try readUInt(4)))  // LONG_BINPUT
            case 0x94: try put(memo.count)  // MEMOIZE
            case 0x68: try get(Int(try readByte()))  // BINGET
            case 0x6A: try get(Int(try readUInt(4)))  // LONG_BINGET
            case 0x85: try tuple(count: 1)  // TUPLE1
            case 0x86: try tuple(count: 2)  // TUPLE2
            case 0x87: try tuple(count: 3)  // TUPLE3
            case 0x74: try push(.makeTuple(try popMark()))  // TUPLE
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32: stack.append(try top())  // DUP
            case 0x73: try setItems(try pop(2))  // SETITEM
            case 0x75: try setItems(try popMark())  // SETITEMS
            case 0x61: try append(try pop(1))  // APPEND
            case 0x65: try append(try popMark())  // APPENDS
            case 0x63: try pushGlobal(module: try readLine(), name: try readLine())  // GLOBAL
            case 0x93:  // STACK_GLOBAL
                let pair = try pop(2)
                guard let module = pair[0].stringValue, let name = pair[1].stringValue else {
                    throw malformed("STACK_GLOBAL needs two strings, found \(pair[0].kind) and \(pair[1].kind)")
                }
                try pushGlobal(module: module, name: name)
            case 0x52:  // REDUCE
                let args = try pop()
                let callable = try pop()
                try push(try call(callable, args))
            case 0x81:  // NEWOBJ: cls.__new__(cls, *args); only an OrderedDict may be made this way
                _ = try pop()
                let cls = try pop()
                guard case .global(.orderedDict) = cls else { throw malformed("NEWOBJ of \(cls.kind)") }
                stack.append(.dict(PickleDict()))
            case 0x62:  // BUILD: a state dict's OrderedDict gets its `_metadata` this way; it is not needed
                let state = try pop()
                let target = try top()
                guard case .dict = target else { throw malformed("BUILD on \(target.kind) with \(state.kind)") }
            case 0x51:  // BINPERSID
                let pid = try pop()
                try push(try persistentLoad(pid, base + opcodeStart))
            default:
                throw CheckpointError.unsupportedOpcode(file: file, offset: base + opcodeStart, opcode: op)
            }
        }
    }

    // MARK: - Objects

    /// The value of calling an allowed global with `args` (a tuple).
    private func call(_ callable: PickleValue, _ args: PickleValue) throws -> PickleValue {
        guard case .global(let g) = callable else { throw malformed("REDUCE calls \(callable.kind)") }
        guard let a = args.tupleItems else { throw malformed("REDUCE arguments are \(args.kind), not a tuple") }
        switch g {
        case .orderedDict:
            guard a.isEmpty else { throw malformed("OrderedDict with \(a.count) arguments") }
            return .dict(PickleDict())
        case .rebuildTensorV2, .rebuildTensor:
            guard a.count >= 4 else { throw malformed("\(g) with \(a.count) arguments (expected at least 4)") }
            guard case .storage(let storage) = a[0] else { throw malformed("\(g): first argument is \(a[0].kind)") }
            guard let offset = a[1].intValue, offset >= 0 else { throw malformed("\(g): bad storage offset") }
            let shape = try ints(a[2], "size")
            let strides = try ints(a[3], "stride")
            guard shape.count == strides.count, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
                throw malformed("\(g): size \(shape) and stride \(strides) do not fit together")
            }
            return .tensor(TensorReference(storage: storage, offset: offset, shape: shape, strides: strides))
        case .rebuildParameter:
            guard let first = a.first, case .tensor = first else { throw malformed("\(g) without a tensor") }
            return first
        case .storageClass(_, let name):
            throw malformed("\(name) is called directly; storages must come from persistent ids")
        }
    }

    private func ints(_ v: PickleValue, _ what: String) throws -> [Int] {
        guard let items = v.tupleItems else { throw malformed("tensor \(what) is \(v.kind), not a tuple") }
        return try items.map {
            guard let i = $0.intValue else { throw malformed("tensor \(what) holds \($0.kind)") }
            return i
        }
    }

    private mutating func pushGlobal(module: String, name: String) throws {
        guard let g = PickleGlobal(module: module, name: name) else {
            throw CheckpointError.disallowedGlobal(file: file, offset: base + opcodeStart, name: "\(module).\(name)")
        }
        stack.append(.global(g))
    }

    private mutating func setItems(_ items: [PickleValue]) throws {
        guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of values") }
        guard case .dict(let d) = try top() else { throw malformed("SETITEM on \(try top().kind)") }
        var i = 0
        while i < items.count {
            d.set(items[i], items[i + 1])
            i += 2
        }
        guard d.depth <= Self.maxDepth else { throw malformed("values nested deeper than \(Self.maxDepth)") }
    }

    private mutating func append(_ items: [PickleValue]) throws {
        guard case .list(let l) = try top() else { throw malformed("APPEND on \(try top().kind)") }
        for v in items { l.append(v) }
        guard l.depth <= Self.maxDepth else { throw malformed("values nested deeper than \(Self.maxDepth)") }
    }

    // MARK: - Stack and memo

    private mutating func push(_ v: PickleValue) throws {
        guard v.depth <= Self.maxDepth else { throw malformed("values nested deeper than \(Self.maxDepth)") }
        stack.append(v)
    }

    private mutating func tuple(count: Int) throws {
        try push(.makeTuple(try pop(count)))
    }

    private func top() throws -> PickleValue {
        guard let v = stack.last, stack.count > (marks.last ?? 0) else { throw malformed("stack underflow") }
        return v
    }

    private mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw malformed("stack underflow") }
        return stack.removeLast()
    }

    private mutating func pop(_ n: Int) throws -> [PickleValue] {
        guard stack.count - (marks.last ?? 0) >= n else { throw malformed("stack underflow") }
        let items = Array(stack.suffix(n))
        stack.removeLast(n)
        return items
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let m = marks.popLast() else { throw malformed("no MARK on the stack") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    private mutating func put(_ index: Int) throws {
        memo[index] = try top()
    }

    private mutating func get(_ index: Int) throws {
        guard let v = memo[index] else { throw malformed("memo entry \(index) is not defined") }
        stack.append(v)
    }

    // MARK: - Reading

    private func malformed(_ reason: String) -> CheckpointError {
        .malformedPickle(file: file, offset: base + opcodeStart, reason: reason)
    }

    private mutating func read(_ n: Int) throws -> [UInt8] {
        guard n >= 0, n <= bytes.count - position else {
            throw CheckpointError.truncated(
                file: file, offset: base + bytes.count,
                reason: "the pickle opcode at byte \(base + opcodeStart) needs \(n) more bytes")
        }
        let out = [UInt8](bytes[position..<(position + n)])
        position += n
        return out
    }

    private mutating func readByte() throws -> UInt8 {
        guard position < bytes.count else {
            throw CheckpointError.truncated(file: file, offset: base + position, reason: "the pickle has no STOP")
        }
        position += 1
        return bytes[position - 1]
    }

    /// A little-endian unsigned integer of `n` ≤ 8 bytes.
    private mutating func readUInt(_ n: Int) throws -> UInt64 {
        try read(n).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// BINFLOAT stores its double big-endian.
    private mutating func readBigEndian64() throws -> UInt64 {
        try read(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    private mutating func readLength8() throws -> Int {
        let n = try readUInt(8)
        guard n <= UInt64(bytes.count) else { throw malformed("string length \(n) exceeds the file") }
        return Int(n)
    }

    private mutating func readString(_ n: Int) throws -> String {
        let raw = try read(n)
        guard let s = String(validating: raw, as: UTF8.self) else { throw malformed("string is not UTF-8") }
        return s
    }

    /// GLOBAL's operands: a newline-terminated ASCII line.
    private mutating func readLine() throws -> String {
        var raw: [UInt8] = []
        while true {
            let b = try readByte()
            if b == 0x0A { break }
            raw.append(b)
            guard raw.count <= 256 else { throw malformed("GLOBAL name longer than 256 bytes") }
        }
        return String(decoding: raw, as: UTF8.self)
    }

    /// LONG1: a length byte, then that many little-endian two's-complement bytes.
    private mutating func readLong1() throws -> PickleValue {
        let raw = try read(Int(try readByte()))
        guard raw.count <= 8 else { return .bigInt(raw) }
        guard let last = raw.last else { return .int(0) }
        var v: UInt64 = last & 0x80 != 0 ? ~0 : 0
        for b in raw.reversed() { v = v << 8 | UInt64(b) }
        return .int(Int64(bitPattern: v))
    }
}
