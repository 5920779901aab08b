import CollabCore

extension VersionVector {
    /// `{"alice":41,"bob":7}`, clients in order.
    public func json(_ writer: inout JSONWriter) {
        writer.raw("{")
        for (k, entry) in counts.sorted(by: { $0.key < $1.key }).enumerated() {
            if k > 0 { writer.raw(",") }
            writer.string(entry.key)
            writer.raw(":")
            writer.int(entry.value)
        }
        writer.raw("}")
    }

    /// The same, as a string.
    public var jsonText: String {
        var writer = JSONWriter()
        json(&writer)
        return writer.text
    }
}
