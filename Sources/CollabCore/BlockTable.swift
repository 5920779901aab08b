/// Blocks by their marker character, in the order they were registered.
///
/// Rendering must find the markers among the text it reads, so besides the lookup by id
/// (an open-addressing table with a multiplicative hash, a few instructions instead of a
/// `Hasher` run) the table keeps a bit per scalar of the document's content buffer that
/// says which scalars are markers: a run of text is checked a word at a time instead of
/// scanned for line feeds (docs/benchmarks.md, rich text).
struct BlockTable: Sequence {
    private(set) var records: [BlockRecord] = []
    private(set) var markers: [CharId] = []
    /// Open addressing with linear probing: a record's index + 1, or 0 for an empty slot.
    /// The table is at most half full.
    private var slots: [Int32] = Array(repeating: 0, count: 16)
    /// Bit `k` is set when scalar `k` of the content buffer is a block marker.
    private var markerBits: [UInt64] = []

    /// Where `marker`'s record is in `records`, if it is a block.
    @inline(__always)
    func index(of marker: CharId) -> Int? {
        let mask = slots.count - 1
        var slot = Self.hash(marker) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            if markers[entry - 1] == marker { return entry - 1 }
            slot = (slot + 1) & mask
        }
    }

    subscript(marker: CharId) -> BlockRecord? {
        index(of: marker).map { records[$0] }
    }

    /// Registers a block whose marker is scalar `content` of the content buffer, or
    /// replaces the record of one registered before.
    mutating func set(_ record: BlockRecord, for marker: CharId, content: Int) {
        let word = content >> 6
        if word >= markerBits.count { markerBits.append(contentsOf: repeatElement(0, count: word + 1 - markerBits.count)) }
        markerBits[word] |= 1 << UInt64(content & 63)
        if let index = index(of: marker) {
            records[index] = record
            return
        }
        records.append(record)
        markers.append(marker)
        if records.count * 2 > slots.count {
            rehash(capacity: slots.count * 2)
        } else {
            place(records.count - 1)
        }
    }

    /// Changes the record of a registered block in place.
    mutating func update(_ marker: CharId, _ body: (inout BlockRecord) -> Void) {
        guard let index = index(of: marker) else { return }
        body(&records[index])
    }

    /// The marker bits (`ContentBits`), for a walk that checks every run without going
    /// through the array each time.
    func withMarkerBits<Result>(_ body: (UnsafeBufferPointer<UInt64>) -> Result) -> Result {
        markerBits.withUnsafeBufferPointer(body)
    }

    func makeIterator() -> Zip2Sequence<[CharId], [BlockRecord]>.Iterator {
        zip(markers, records).makeIterator()
    }

    private mutating func rehash(capacity: Int) {
        slots = Array(repeating: 0, count: capacity)
        for index in records.indices { place(index) }
    }

    private mutating func place(_ index: Int) {
        let mask = slots.count - 1
        var slot = Self.hash(markers[index]) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(index + 1)
    }

    @inline(__always)
    private static func hash(_ marker: CharId) -> Int {
        let key = UInt64(UInt32(bitPattern: marker.client)) << 32 | UInt64(UInt32(bitPattern: marker.seq))
        return Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }
}
