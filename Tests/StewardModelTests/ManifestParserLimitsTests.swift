import Foundation
import StewardModel
import Testing

/// Hostile and unusual input: alias bombs, deep nesting, oversized files, many broken documents, line endings.
struct ManifestParserLimitsTests {
    /// Parses `data` as `manifests/x.yaml`. The limits bound the work (at most 100,000 nodes from aliases,
    /// 64 levels): each test proves its limit tripped by the exact error, which is what keeps hostile input cheap.
    func parse(_ data: Data) -> ParsedFile {
        ManifestParser().parse(path: "manifests/x.yaml", data: data)
    }

    @Test func billionLaughsFailsWithOneError() {
        var lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]")
        }
        let parsed = parse(Data(lines.joined(separator: "\n").utf8))
        #expect(parsed.diagnostics.map(\.description) == [
            // Lines 1-5 expand to 74,732 nodes (e alone to 66,430): the first "*e" on line 6 passes 100,000.
            "manifests/x.yaml:6:8: error: aliases expand this document to more than 100000 nodes; refusing to expand it "
                + "(is it an alias bomb?)",
        ])
    }

    @Test func aliasBombUsedAsAKeyIsRefused() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for (previous, name) in zip(["a", "b", "c"], ["b", "c", "d"]) {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
        }
        text += "? *d\n: boom\n"
        let parsed = parse(Data(text.utf8))
        #expect(parsed.diagnostics.map(\.description) == [
            "manifests/x.yaml:5:3: error: mapping keys must be plain strings, found an alias (a sequence)",
        ])
    }

    @Test func tenThousandNestedFlowSequencesGiveOneClearError() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n"
        let parsed = parse(Data(text.utf8))
        // libyaml's own limit (1000) trips while it looks ahead, before our 64 levels are reached: the error is reported at
        // the token where libyaml stopped, the first '['.
        #expect(parsed.diagnostics.map(\.description) == [
            "manifests/x.yaml:1:1: error: nesting deeper than 64 levels; Steward reads at most 64 levels of sequences and mappings",
        ])
    }

    @Test func deepFlowMappingsAndBlockSequencesGiveOneClearError() {
        let mappings = "spec: " + String(repeating: "{a: ", count: 5_000) + "x" + String(repeating: "}", count: 5_000) + "\n"
        let parsedMappings = parse(Data(mappings.utf8))
        // "spec: " is 6 columns and each "{a: " 4: the 64th '{' (level 65 under the root mapping) is at column 7 + 63 × 4.
        #expect(parsedMappings.diagnostics.map(\.description) == [
            "manifests/x.yaml:1:259: error: nesting deeper than 64 levels; Steward reads at most 64 levels of sequences and mappings",
        ])
        let sequences = String(repeating: "- ", count: 5_000) + "x\n"
        let parsedSequences = parse(Data(sequences.utf8))
        #expect(parsedSequences.diagnostics.map(\.description) == [
            "manifests/x.yaml:1:129: error: nesting deeper than 64 levels; Steward reads at most 64 levels of sequences and mappings",
        ])
    }

    @Test func fileOverOneMiBIsRefusedByParseAndByTheLoaderCheck() {
        let line = "# padding padding padding padding padding padding padding padding padding padding padding pad\n"
        var text = String(repeating: line, count: ManifestParser.maxFileSize / line.utf8.count)
        text += String(repeating: "#", count: ManifestParser.maxFileSize - text.utf8.count)
        #expect(text.utf8.count == 1 << 20)
        // Exactly 1 MiB is read.
        #expect(ManifestParser().parse(path: "manifests/x.yaml", data: Data(text.utf8)).diagnostics == [])
        // One byte more is not.
        let parsed = ManifestParser().parse(path: "manifests/x.yaml", data: Data((text + "\n").utf8))
        #expect(parsed.diagnostics.map(\.description) == [
            "manifests/x.yaml:1:1: error: file is 1048577 bytes; manifest files are limited to 1048576 bytes (1 MiB)",
        ])
        let entry = ConfigEntry(path: "manifests/x.yaml", blobID: "0", size: 1_048_577)
        #expect(ManifestValidator.unreadableFileDiagnostic(entry)?.description
            == "manifests/x.yaml:1:1: error: file is 1048577 bytes; manifest files are limited to 1048576 bytes (1 MiB)")
        #expect(ManifestValidator.unreadableFileDiagnostic(ConfigEntry(path: "manifests/x.yaml", blobID: "0", size: 1 << 20)) == nil)
    }

    @Test func symlinkedManifestIsNotRead() {
        let link = ConfigEntry(path: "manifests/a.yaml", blobID: "0", size: 9, kind: .symlink, symlinkTarget: "/etc/shadow")
        #expect(ManifestValidator.unreadableFileDiagnostic(link)?.description
            == "manifests/a.yaml:1:1: error: manifest files must be regular files; the symlink to \"/etc/shadow\" is not followed")
        let executable = ConfigEntry(path: "manifests/a.yaml", blobID: "0", size: 9, kind: .executable)
        #expect(ManifestValidator.unreadableFileDiagnostic(executable) == nil)
    }

    @Test func manyBrokenDocumentsStopAfterALimitAndStayFast() {
        // 20,000 documents, each with an unclosed quote: each would restart libyaml.
        let text = String(repeating: "---\nkind: \"Project\n", count: 20_000)
        let parsed = parse(Data(text.utf8))
        #expect(parsed.diagnostics.count == 101)
        #expect(parsed.diagnostics.first?.description
            == "manifests/x.yaml:2:7: error: invalid YAML: quoted string starting here is never closed: found a \"---\" line at "
                + "line 3 before the closing '\"'")
        #expect(parsed.diagnostics.last?.description
            == "manifests/x.yaml:201:1: error: stopped after 100 YAML syntax errors; this document and the rest of the file "
                + "were not read")
    }

    @Test func emptyAndCommentOnlyFilesYieldNothing() {
        for text in ["", "# nothing yet\n", "---\n", "---\n...\n", "--- ~\n", "---\n# trailing separator\n---\n"] {
            let parsed = ManifestParser().parse(path: "manifests/x.yaml", data: Data(text.utf8))
            #expect(parsed == ParsedFile(), "\(text.debugDescription)")
        }
    }

    @Test func positionsCountCRLFLineEndingsAndAByteOrderMark() {
        let crlf = "apiVersion: steward/v1\r\nkind: Projekt\r\nmetadata: {name: a}\r\nspec: {repo: a/b}\r\n"
        #expect(ManifestParser().parse(path: "manifests/x.yaml", data: Data(crlf.utf8)).diagnostics.map(\.description) == [
            "manifests/x.yaml:2:7: error: unknown kind \"Projekt\" (did you mean \"Project\"?); expected one of Project, Server",
        ])
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let withBOM = bom + Array("kind: \"".utf8) + [0xFF] + Array("\"\n".utf8)
        #expect(ManifestParser().parse(path: "manifests/x.yaml", data: Data(withBOM)).diagnostics.map(\.description) == [
            "manifests/x.yaml:1:8: error: invalid UTF-8: byte 0xFF does not start a valid UTF-8 sequence; "
                + "manifest files must be UTF-8 text",
        ])
        let valid = bom + Array("apiVersion: steward/v1\nkind: Server\nmetadata: {name: vps-1}\nspec: {address: h}\n".utf8)
        #expect(ManifestParser().parse(path: "manifests/x.yaml", data: Data(valid)).servers.map(\.name) == ["vps-1"])
    }

    @Test func portsGivenAsASingleIntegerOrAnUnquotedRangeAreAccepted() {
        let text = """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: one}
            spec: {address: 10.0.0.2, capacity: {ports: 8080}}
            ---
            apiVersion: steward/v1
            kind: Server
            metadata: {name: many}
            spec: {address: 10.0.0.3, capacity: {ports: 8000-8999}}
            """
        let parsed = ManifestParser().parse(path: "manifests/x.yaml", data: Data(text.utf8))
        #expect(parsed.diagnostics == [])
        #expect(parsed.servers.map(\.spec.capacity.ports) == [PortRange(lower: 8080, upper: 8080), PortRange(lower: 8000, upper: 8999)])
    }

    @Test func composerResumesAfterEachBrokenDocument() {
        let text = "a: 'x\n---\nb: [\n---\nc: 1\n"
        let (documents, problems) = YAMLComposer().compose(Data(text.utf8))
        #expect(problems.map(\.line) == [1, 4])
        #expect(documents.map { $0.root?.kindDescription } == ["a mapping"])
        // The third pass starts at the second "---", which is where its document starts.
        #expect(documents.map(\.line) == [4])
    }
}
