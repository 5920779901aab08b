import CollabCore

/// The document's blocks as renderers lay them out: runs of `table`, `row` and `cell`
/// blocks become tables. The block list is flat (each block starts with a marker in the
/// text), so the nesting is read from the order: a `table` block starts a table, a `row`
/// starts a row in it, a `cell` adds a cell to the current row; the table ends at the
/// first other block. A row or cell without a table before it starts one.
enum BlockLayout {
    struct Table {
        /// The `table` block (its own text is the caption), or nil when rows came first.
        var table: BlockContent?
        /// Each row's `row` block (its own text, if any, is a first cell) and cells.
        var rows: [(row: BlockContent?, cells: [BlockContent])]
    }

    enum Item {
        case block(BlockContent)
        case table(Table)
    }

    static func items(_ blocks: [BlockContent]) -> [Item] {
        var items: [Item] = []
        var table: Table?
        func close() {
            if let table { items.append(.table(table)) }
            table = nil
        }
        for block in blocks {
            switch block.type {
            case "table":
                close()
                table = Table(table: block, rows: [])
            case "row":
                if table == nil { table = Table(table: nil, rows: []) }
                let text = block.runs.map(\.text).joined()
                table!.rows.append((block, text.isEmpty ? [] : [block]))
            case "cell":
                if table == nil { table = Table(table: nil, rows: []) }
                if table!.rows.isEmpty { table!.rows.append((nil, [])) }
                table!.rows[table!.rows.count - 1].cells.append(block)
            default:
                close()
                items.append(.block(block))
            }
        }
        close()
        return items
    }
}
