import Foundation
import StewardModel
import Testing

/// SHA-256 against FIPS 180-4 test vectors, and the stability of canonical JSON hashes.
struct HashingTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        // The 448-bit message: its padding needs a second block.
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        // The 896-bit message.
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func nistVectors(_ message: String, _ digest: String) {
        #expect(SHA256Digest.hex(message) == digest)
        #expect(SHA256Digest.hex(Data(message.utf8)) == digest)
        #expect(SHA256Digest.digest(Array(message.utf8)).map { String(format: "%02x", $0) }.joined() == digest)
    }

    @Test func oneMillionTimesA() {
        let digest = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256Digest.hex(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)) == digest)
        #expect(SHA256Digest.hex(String(repeating: "a", count: 1_000_000)) == digest)
    }

    /// Lengths around the padding boundaries (55/56 bytes fit one block or not; 64, 119/120, 128).
    @Test(arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
        (128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"),
    ])
    func paddingBoundaries(_ length: Int, _ digest: String) {
        #expect(SHA256Digest.hex(String(repeating: "a", count: length)) == digest)
    }

    @Test func nonASCIIStringsHashTheirUTF8() {
        let text = "Wetter für Köln ☀️"
        #expect(SHA256Digest.hex(text) == SHA256Digest.hex(Data(text.utf8)))
        #expect(SHA256Digest.hex(text) != SHA256Digest.hex("Wetter fur Koln"))
    }

    @Test func canonicalJSONSortsKeysAtEveryDepth() {
        let value: JSONValue = .object([
            "zeta": .array([.bool(true), .null, .int(-3)]),
            "alpha": .object(["y": .string("a/b"), "x": .double(1.5)]),
        ])
        #expect(String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
            == #"{"alpha":{"x":1.5,"y":"a/b"},"zeta":[true,null,-3]}"#)
    }

    @Test func sameValueHashesTheSameWhateverTheInsertionOrder() {
        let keys = (0..<200).map { "key-\($0)" }
        var forward: [String: JSONValue] = [:]
        for key in keys { forward[key] = .string(key.uppercased()) }
        // Different capacity and insertion history give a different internal (iteration) order.
        var backward: [String: JSONValue] = [:]
        backward.reserveCapacity(4096)
        for key in keys.reversed() { backward[key] = .string(key.uppercased()) }
        #expect(Array(forward.keys) != Array(backward.keys))
        #expect(CanonicalJSON.encode(forward) == CanonicalJSON.encode(backward))
        #expect(CanonicalJSON.hash(forward) == CanonicalJSON.hash(backward))

        var labelsA: [String: String] = [:]
        var labelsB: [String: String] = [:]
        for key in keys { labelsA[key] = "v" }
        for key in keys.shuffled() { labelsB[key] = "v" }
        let specA = ServerSpec(address: "10.0.0.2", labels: labelsA)
        let specB = ServerSpec(address: "10.0.0.2", labels: labelsB)
        #expect(CanonicalJSON.hash(specA) == CanonicalJSON.hash(specB))
        #expect(CanonicalJSON.hash(specA) != CanonicalJSON.hash(ServerSpec(address: "10.0.0.3", labels: labelsA)))
    }

    @Test func parsedSpecHashIgnoresKeyOrderAndLayoutButNotValues() {
        func hash(_ yaml: String) -> String? {
            ManifestParser().parse(path: "manifests/x.yaml", data: Data(yaml.utf8)).projects.first?.specHash
        }
        let block = hash("""
            apiVersion: steward/v1
            kind: Project
            metadata: {name: a, labels: {x: "1", y: "2"}}
            spec:
              repo: acme/a
              resources: {memoryMB: 256, ports: 2}
            """)
        let flow = hash("""
            kind: Project
            apiVersion: steward/v1
            metadata: {labels: {y: "2", x: "1"}, name: a}
            spec: {resources: {ports: 2, memoryMB: 256}, repo: acme/a}
            """)
        let changed = hash("""
            apiVersion: steward/v1
            kind: Project
            metadata: {name: a}
            spec: {repo: acme/a, resources: {memoryMB: 512, ports: 2}}
            """)
        #expect(block != nil)
        #expect(block == flow)
        #expect(block != changed)
    }

    @Test func defaultBootstrapUserIsLeftOutOfTheSpecHash() throws {
        let spec = ServerSpec(address: "10.0.0.2")
        let json = String(decoding: CanonicalJSON.encode(spec), as: UTF8.self)
        #expect(!json.contains("bootstrapUser"))
        #expect(json == #"{"address":"10.0.0.2","capacity":{"memoryMB":1024,"ports":"8000-8999"},"connection":"ssh","labels":{},"port":22,"user":"deploy"}"#)
        let admin = ServerSpec(address: "10.0.0.2", bootstrapUser: "admin")
        #expect(CanonicalJSON.hash(admin) != CanonicalJSON.hash(spec))
        #expect(try JSONDecoder().decode(ServerSpec.self, from: CanonicalJSON.encode(admin)) == admin)
    }
}
