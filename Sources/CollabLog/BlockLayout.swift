import CollabCore

/// What the layout needs of a block: its kind and whether it has text.
protocol LaidOutBlock {
    var kind: BlockKind { get }
    var hasText: Bool { get }
}

/// The document's blocks as renderers lay them out: runs of `table`, `row` and `cell`
/// blocks become tables. The block list is flat (each block starts with a marker in the
/// text), so the nesting is read from the order: a `table` block starts a table, a `row`
/// starts a row in it, a `cell` adds a cell to the current row; the table ends at the
/// first other block. A row or cell without a table before it starts one. Items name
/// blocks by their index in the list.
enum BlockLayout {
    struct Table {
        /// The `table` block (its own text is the caption), or nil when rows came first.
        var table: Int?
        /// Each row's `row` block (its own text, if any, is a first cell) and cells.
        var rows: [(row: Int?, cells: [Int])]
    }

    enum Item {
        case block(Int)
        case table(Table)
    }

    static func items(_ blocks: [some LaidOutBlock]) -> [Item] {
        var items: [Item] = []
        items.reserveCapacity(blocks.count)
        var table: Table?
        func close() {
            if let table { items.append(.table(table)) }
            table = nil
        }
        for index in blocks.indices {
            switch blocks[index].kind {
            case .table:
                close()
                table = Table(table: index, rows: [])
            case .row:
                if table == nil { table = Table(table: nil, rows: []) }
                table!.rows.append((index, blocks[index].hasText ? [index] : []))
            case .cell:
                if table == nil { table = Table(table: nil, rows: []) }
                if table!.rows.isEmpty { table!.rows.append((nil, [])) }
                table!.rows[table!.rows.count - 1].cells.append(index)
            default:
                close()
                items.append(.block(index))
            }
        }
        close()
        return items
    }
}
