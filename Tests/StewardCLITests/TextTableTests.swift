@testable import StewardCLI
import Testing

struct TextTableTests {
    @Test func aMultiLineCellShowsItsFirstLineOnly() {
        var table = TextTable(header: ["NAME", "READY"])
        table.rows.append(["shop", "False: The builtin developer asks:\nline two\nline three"])
        table.rows.append(["blog", "True: active"])
        #expect(table.render() == """
            NAME   READY
            shop   False: The builtin developer asks: …
            blog   True: active
            """)
    }

    @Test func columnsAlignOnTheFirstLineWhenAnEarlierCellHasSeveral() {
        var table = TextTable(header: ["MESSAGE", "ID"])
        table.rows.append(["a\nlonger second line", "1"])
        #expect(table.render() == "MESSAGE   ID\na …       1")
    }
}
