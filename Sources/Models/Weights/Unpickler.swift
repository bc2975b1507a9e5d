/// Reads the pickle streams inside PyTorch checkpoints (`data.pkl`, protocols 2 to 5) into plain
/// `PickleValue`s, executing nothing.
///
/// The pickle format is a small stack machine: opcodes push values, build containers from the
/// values above a MARK, memoize values for later reference, and (GLOBAL + REDUCE) call Python
/// functions. Functions are resolved against `PickleGlobal`'s allow-list only, so a checkpoint
/// that names `os.system` or `builtins.eval` is refused, not run. Persistent ids (BINPERSID) are
/// PyTorch's references to the raw storages stored next to the pickle.
///
/// Lists, dicts and objects are filled in after they are memoized (`EMPTY_DICT, BINPUT, …,
/// SETITEMS`), so while the stream is read they are shared boxes; the final value is a plain tree.
///
/// Nesting is capped as values are built, not after: a 100 KB pickle can nest 200,000 tuples,
/// and releasing (or freezing) such a chain recurses once per level, which overflows the stack
/// long before any later check could run. Every box records its depth when something is put in
/// it, so the cap holds at every depth and tearing down what was built stays shallow.
struct Unpickler {
    /// Checkpoints nest a few dozen levels at most (TorchScript module trees are the deepest).
    static let maxNesting = 200

    private let bytes: UnsafeRawBufferPointer
    private let file: String
    private let inTorchScript: Bool
    private var position = 0
    private var stack: [Item] = []
    private var markPositions: [Int] = []
    private var memo: [Int: Item] = [:]
    /// Every box made, so that all can be emptied at the end (see `load`).
    private var boxes: [Box] = []

    /// `file` names the checkpoint in errors; `inTorchScript` admits TorchScript's module
    /// classes and list helpers, which only `torch.jit.save` archives contain.
    init(_ bytes: UnsafeRawBufferPointer, file: String, inTorchScript: Bool) {
        self.bytes = bytes
        self.file = file
        self.inTorchScript = inTorchScript
    }

    /// Runs the stream to its STOP opcode and returns the value it built.
    mutating func load() throws -> PickleValue {
        // A value that contains itself is a reference cycle among its boxes, which would never
        // be freed; once the stream is read (or refused), emptying every box breaks them all.
        defer { for box in boxes { box.empty() } }
        while true {
            let opcodePosition = position
            let opcode = try readByte()
            switch opcode {
            case 0x80: _ = try readByte()  // PROTO
            case 0x95: _ = try read(8)  // FRAME: framing only matters to streaming readers.
            case 0x2E:  // STOP
                var freezer = Freezer(file: file)
                return try freezer.freeze(try pop(), depth: 0)

            // Stack and marks.
            case 0x28: markPositions.append(stack.count)  // MARK
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popToMark()  // POP_MARK
            case 0x32: push(try top())  // DUP

            // Scalars.
            case 0x4E: push(.value(.none))  // NONE
            case 0x88: push(.value(.bool(true)))  // NEWTRUE
            case 0x89: push(.value(.bool(false)))  // NEWFALSE
            case 0x4A: push(.value(.int(Int(Int32(bitPattern: try readUInt32())))))  // BININT
            case 0x4B: push(.value(.int(Int(try readByte()))))  // BININT1
            case 0x4D: push(.value(.int(Int(try readUInt16()))))  // BININT2
            case 0x8A: push(.value(.int(try readLong(byteCount: Int(try readByte())))))  // LONG1
            case 0x8B: push(.value(.int(try readLong(byteCount: Int(Int32(bitPattern: try readUInt32()))))))  // LONG4
            case 0x47: push(.value(.float(Double(bitPattern: UInt64(bigEndian: try readUInt64Raw())))))  // BINFLOAT
            // BINUNICODE, BINSTRING
            case 0x58, 0x54: push(.value(.string(try readString(byteCount: Int(try readUInt32())))))
            // SHORT_BINUNICODE, SHORT_BINSTRING
            case 0x8C, 0x55: push(.value(.string(try readString(byteCount: Int(try readByte())))))
            case 0x8D: push(.value(.string(try readString(byteCount: try readLength64()))))  // BINUNICODE8
            case 0x42: push(.value(.bytes(Array(try read(Int(try readUInt32()))))))  // BINBYTES
            case 0x43: push(.value(.bytes(Array(try read(Int(try readByte()))))))  // SHORT_BINBYTES
            case 0x8E, 0x96: push(.value(.bytes(Array(try read(try readLength64())))))  // BINBYTES8, BYTEARRAY8

            // Containers.
            case 0x29: push(try tuple([]))  // EMPTY_TUPLE
            case 0x85: push(try tuple([try pop()]))  // TUPLE1
            case 0x86:  // TUPLE2
                let second = try pop()
                push(try tuple([try pop(), second]))
            case 0x87:  // TUPLE3
                let third = try pop()
                let second = try pop()
                push(try tuple([try pop(), second, third]))
            case 0x74: push(try tuple(try popToMark()))  // TUPLE
            case 0x5D, 0x8F: push(.list(made(ListBox())))  // EMPTY_LIST, EMPTY_SET (sets read as lists)
            case 0x6C, 0x91:  // LIST, FROZENSET
                let list = made(ListBox())
                let items = try popToMark()
                try nest(items, in: list)
                list.items = items
                push(.list(list))
            case 0x7D: push(.dict(made(DictBox())))  // EMPTY_DICT
            case 0x64:  // DICT
                let dict = made(DictBox())
                try insertPairs(try popToMark(), into: dict)
                push(.dict(dict))
            case 0x61:  // APPEND
                let item = try pop()
                let list = try list(try top())
                try nest([item], in: list)
                list.items.append(item)
            case 0x65, 0x90:  // APPENDS, ADDITEMS
                let items = try popToMark()
                let list = try list(try top())
                try nest(items, in: list)
                list.items += items
            case 0x73:  // SETITEM
                let value = try pop()
                let key = try pop()
                try insertPairs([key, value], into: try dict(try top()))
            case 0x75:  // SETITEMS
                let items = try popToMark()
                try insertPairs(items, into: try dict(try top()))

            // Memo.
            case 0x71: memo[Int(try readByte())] = try top()  // BINPUT
            case 0x72: memo[Int(try readUInt32())] = try top()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x68: push(try memoized(Int(try readByte())))  // BINGET
            case 0x6A: push(try memoized(Int(try readUInt32())))  // LONG_BINGET

            // Globals, calls and objects.
            case 0x63:  // GLOBAL
                let module = try readLine()
                push(.value(.global(try resolve(module: module, name: try readLine()))))
            case 0x93:  // STACK_GLOBAL
                let name = try pop()
                let module = try pop()
                guard case .value(.string(let nameText)) = name, case .value(.string(let moduleText)) = module else {
                    throw malformed("STACK_GLOBAL without a module and name at byte \(opcodePosition)")
                }
                push(.value(.global(try resolve(module: moduleText, name: nameText))))
            case 0x52:  // REDUCE
                let arguments = try pop()
                push(try call(try pop(), arguments: arguments))
            case 0x81:  // NEWOBJ
                let arguments = try pop()
                push(try instantiate(try pop(), arguments: arguments))
            case 0x92:  // NEWOBJ_EX
                _ = try pop()
                let arguments = try pop()
                push(try instantiate(try pop(), arguments: arguments))
            case 0x62:  // BUILD
                let state = try pop()
                try build(try top(), state: state)
            case 0x51: push(.value(.storage(try storage(try pop()))))  // BINPERSID

            default:
                throw malformed("unsupported pickle opcode 0x\(String(opcode, radix: 16)) at byte \(opcodePosition)")
            }
        }
    }

    // MARK: Semantics

    private func resolve(module: String, name: String) throws -> PickleGlobal {
        guard let global = PickleGlobal(module: module, name: name, inTorchScript: inTorchScript) else {
            throw WeightError.refusedGlobal(file: file, module: module, name: name)
        }
        return global
    }

    private mutating func call(_ callable: Item, arguments: Item) throws -> Item {
        guard case .value(.global(let function)) = callable else {
            throw malformed("REDUCE on something that is not a function")
        }
        switch function {
        case .orderedDict:
            let dict = made(DictBox())
            if case .tuple(let tuple) = arguments, let pairs = tuple.items.first {
                guard case .list(let list) = pairs else {
                    throw malformed("OrderedDict built from something other than a list")
                }
                for pair in list.items {
                    guard case .tuple(let entry) = pair, entry.items.count == 2 else {
                        throw malformed("OrderedDict item is not a pair")
                    }
                    try insertPairs(entry.items, into: dict)
                }
            }
            return .dict(dict)
        case .scriptClass(let name):
            return .object(made(ObjectBox(className: name)))
        default:
            var freezer = Freezer(file: file)
            guard let values = try freezer.freeze(arguments, depth: 0).elements else {
                throw malformed("arguments to \(function) are not a tuple")
            }
            let result = try function.call(values, file: file)
            switch result {
            // The list builders return (part of) their arguments, so the result may be as
            // deep as they were.
            case .list, .tuple, .dict, .object: return .frozen(result, depth: arguments.depth)
            default: return .value(result)
            }
        }
    }

    /// NEWOBJ: `cls.__new__(cls, *args)`; TorchScript writes every module this way.
    private mutating func instantiate(_ type: Item, arguments: Item) throws -> Item {
        switch type {
        case .value(.global(.scriptClass(let name))): return .object(made(ObjectBox(className: name)))
        case .value(.global(.orderedDict)): return .dict(made(DictBox()))
        default: throw malformed("NEWOBJ on something that is not an allowed class")
        }
    }

    /// BUILD: sets an object's state. State dicts carry a `_metadata` attribute and parameters
    /// may carry Python attributes; neither matters for weights.
    private func build(_ target: Item, state: Item) throws {
        switch target {
        case .object(let object):
            try nest([state], in: object)
            object.state = state
        case .dict, .list, .value(.tensor): break
        default: throw malformed("BUILD on a value that has no state")
        }
    }

    /// PyTorch's persistent id: ("storage", storage class, key, location, element count).
    private func storage(_ persistentID: Item) throws -> StorageReference {
        var freezer = Freezer(file: file)
        guard let fields = try freezer.freeze(persistentID, depth: 0).elements, fields.count >= 5,
            fields[0].string == "storage", case .global(.storageClass(let storageClass)) = fields[1],
            let key = fields[2].string ?? fields[2].int.map(String.init), let count = fields[4].int, count >= 0
        else { throw malformed("persistent id is not a PyTorch storage reference") }
        return StorageReference(key: key, storageClass: storageClass, count: count)
    }

    // MARK: Nesting

    private mutating func made<B: Box>(_ box: B) -> B {
        boxes.append(box)
        return box
    }

    private mutating func tuple(_ items: [Item]) throws -> Item {
        let tuple = made(TupleBox(items))
        try nest(items, in: tuple)
        return .tuple(tuple)
    }

    private func insertPairs(_ items: [Item], into dict: DictBox) throws {
        guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd item count") }
        try nest(items, in: dict)
        for index in stride(from: 0, to: items.count, by: 2) { dict.insert(key: items[index], value: items[index + 1]) }
    }

    /// Records that `children` are about to go into `box`, before they do. A box already inside
    /// another may not get deeper (its ancestors' depths would go stale): pickles fill each
    /// container before nesting it, except when a value contains itself.
    private func nest(_ children: [Item], in box: Box) throws {
        for child in children {
            let depth = child.depth + 1
            if depth > box.depth {
                guard depth <= Self.maxNesting else {
                    throw malformed("the pickle nests values more than \(Self.maxNesting) levels deep")
                }
                guard !box.isNested else {
                    throw malformed("the pickle deepens a container after nesting it in another")
                }
                box.depth = depth
            }
            child.box?.isNested = true
        }
    }

    // MARK: Stack

    private mutating func push(_ item: Item) { stack.append(item) }

    private mutating func pop() throws -> Item {
        guard let item = stack.popLast() else { throw malformed("pickle stack underflow at byte \(position)") }
        return item
    }

    private func top() throws -> Item {
        guard let item = stack.last else { throw malformed("pickle stack underflow at byte \(position)") }
        return item
    }

    private mutating func popToMark() throws -> [Item] {
        guard let mark = markPositions.popLast(), mark <= stack.count else {
            throw malformed("pickle MARK missing at byte \(position)")
        }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func memoized(_ index: Int) throws -> Item {
        guard let item = memo[index] else { throw malformed("pickle memo \(index) read before it was written") }
        return item
    }

    private func list(_ item: Item) throws -> ListBox {
        guard case .list(let list) = item else { throw malformed("APPEND to something that is not a list") }
        return list
    }

    private func dict(_ item: Item) throws -> DictBox {
        guard case .dict(let dict) = item else { throw malformed("SETITEM on something that is not a dict") }
        return dict
    }

    // MARK: Reading

    private mutating func read(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - position else {
            throw malformed("data.pkl ends in the middle of a value")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    private mutating func readByte() throws -> UInt8 { try read(1)[0] }
    private mutating func readUInt16() throws -> UInt16 {
        UInt16(littleEndian: try read(2).loadUnaligned(as: UInt16.self))
    }
    private mutating func readUInt32() throws -> UInt32 {
        UInt32(littleEndian: try read(4).loadUnaligned(as: UInt32.self))
    }
    private mutating func readUInt64Raw() throws -> UInt64 { try read(8).loadUnaligned(as: UInt64.self) }

    private mutating func readLength64() throws -> Int {
        guard let length = Int(exactly: UInt64(littleEndian: try readUInt64Raw())) else {
            throw malformed("length too large")
        }
        return length
    }

    private mutating func readString(byteCount: Int) throws -> String {
        String(decoding: try read(byteCount), as: UTF8.self)
    }

    /// GLOBAL's operands: newline-terminated text.
    private mutating func readLine() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw malformed("GLOBAL without a newline") }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
        position = end + 1
        return text
    }

    /// LONG1/LONG4: little-endian two's complement of any length; checkpoints only hold ones
    /// that fit 64 bits.
    private mutating func readLong(byteCount: Int) throws -> Int {
        let digits = try read(byteCount)
        guard byteCount <= 8 else { throw malformed("integer of \(byteCount) bytes is too large") }
        guard byteCount > 0 else { return 0 }
        var value: UInt64 = 0
        for (index, byte) in digits.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        if byteCount < 8 && digits[byteCount - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(byteCount)) }
        return Int(Int64(bitPattern: value))
    }

    private func malformed(_ reason: String) -> WeightError { .malformed(file: file, reason: reason) }
}

// MARK: - Values under construction

/// A value on the pickle stack or in the memo; containers are boxes so that a memoized reference
/// sees the items added after it was memoized.
private enum Item {
    /// A scalar, tensor, storage or global: nothing nested.
    case value(PickleValue)
    /// A function's result, which may hold containers `depth` levels deep.
    case frozen(PickleValue, depth: Int)
    case tuple(TupleBox)
    case list(ListBox)
    case dict(DictBox)
    case object(ObjectBox)

    var box: Box? {
        switch self {
        case .value, .frozen: return nil
        case .tuple(let box): return box
        case .list(let box): return box
        case .dict(let box): return box
        case .object(let box): return box
        }
    }

    /// Levels of containers in the value (at least; 0 for a scalar).
    var depth: Int {
        if case .frozen(_, let depth) = self { return depth }
        return box?.depth ?? 0
    }
}

private class Box {
    /// At least the levels of containers from this box down (1 when it holds only scalars).
    var depth = 1
    /// Whether the box is inside another container, whose depth counts on this box's.
    var isNested = false

    /// Lets go of everything inside.
    func empty() {}
}

private final class TupleBox: Box {
    private(set) var items: [Item]
    init(_ items: [Item]) { self.items = items }
    override func empty() { items = [] }
}

private final class ListBox: Box {
    var items: [Item] = []
    override func empty() { items = [] }
}

private final class DictBox: Box {
    private(set) var entries: [(key: Item, value: Item)] = []
    /// String keys already present, so a repeated key replaces its value as in Python.
    private var indexByString: [String: Int] = [:]

    override func empty() {
        entries = []
        indexByString = [:]
    }

    func insert(key: Item, value: Item) {
        if case .value(.string(let text)) = key {
            if let index = indexByString[text] {
                entries[index].value = value
                return
            }
            indexByString[text] = entries.count
        }
        entries.append((key, value))
    }
}

private final class ObjectBox: Box {
    let className: String
    var state: Item = .value(.none)
    init(className: String) { self.className = className }
    override func empty() { state = .value(.none) }
}

/// Turns boxes into the plain value tree. Each box is converted once, so values shared through
/// the memo cost nothing extra (and a crafted pickle cannot blow up exponentially); cycles are
/// rejected, and the depth guard backs up the cap `Unpickler.nest` keeps while building.
private struct Freezer {
    let file: String
    private var finished: [ObjectIdentifier: PickleValue] = [:]
    private var inProgress: Set<ObjectIdentifier> = []

    init(file: String) { self.file = file }

    mutating func freeze(_ item: Item, depth: Int) throws -> PickleValue {
        guard depth <= Unpickler.maxNesting else {
            throw WeightError.malformed(file: file, reason: "the pickle nests values too deeply")
        }
        switch item {
        case .value(let value), .frozen(let value, _):
            return value
        case .tuple(let tuple):
            return try once(tuple) { freezer in .tuple(try tuple.items.map { try freezer.freeze($0, depth: depth + 1) })
            }
        case .list(let list):
            return try once(list) { freezer in .list(try list.items.map { try freezer.freeze($0, depth: depth + 1) }) }
        case .dict(let dict):
            return try once(dict) { freezer in
                .dict(
                    try dict.entries.map {
                        (try freezer.freeze($0.key, depth: depth + 1), try freezer.freeze($0.value, depth: depth + 1))
                    })
            }
        case .object(let object):
            return try once(object) { freezer in
                .object(className: object.className, state: try freezer.freeze(object.state, depth: depth + 1))
            }
        }
    }

    private mutating func once(_ box: AnyObject, _ build: (inout Freezer) throws -> PickleValue) throws -> PickleValue {
        let identity = ObjectIdentifier(box)
        if let value = finished[identity] { return value }
        guard inProgress.insert(identity).inserted else {
            throw WeightError.malformed(file: file, reason: "the pickle contains a cycle")
        }
        let value = try build(&self)
        inProgress.remove(identity)
        finished[identity] = value
        return value
    }
}
