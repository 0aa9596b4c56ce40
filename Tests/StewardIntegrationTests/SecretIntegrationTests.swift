import Foundation
import StewardTestSupport
import Testing

/// `steward secret` through the binary: the value reaches the deployed app and nothing else.
@Suite(.serialized)
struct SecretIntegrationTests {
    @Test func aSecretFromStdinReachesTheAppAndNoLogEventRunOrFile() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest.replacingOccurrences(
            of: "GREETING=hello", with: "GREETING=${secret:GREETING}"))
        try await fixture.config.commit("greeting from a secret")

        let waiting = try fixture.reconcile()
        #expect(waiting.status == 2)
        #expect(waiting.stdout.contains("missing secrets: GREETING"))

        let value = "salut-7f3c9e-from-the-vault"
        let set = try StewardBinary.run(["secret", "set", "hello", "GREETING"] + fixture.stateArguments, input: value + "\n")
        #expect(set.status == 0, "\(set.stdout)\(set.stderr)")
        #expect(set.stdout.contains("version 1"))
        let listed = try StewardBinary.run(["secret", "list", "hello"] + fixture.stateArguments)
        #expect(listed.stdout.contains("GREETING   1"))

        let deployed = try fixture.reconcile()
        #expect(deployed.status == 0, "\(deployed.stdout)\n\(deployed.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/")?.contains(value) == true)

        let describe = try StewardBinary.run(["describe", "project", "hello"] + fixture.stateArguments)
        let events = try StewardBinary.run(["get", "projects", "-o", "json"] + fixture.stateArguments)
        for output in [set.stdout, set.stderr, listed.stdout, deployed.stdout, deployed.stderr, describe.stdout, events.stdout] {
            #expect(!output.contains(value))
        }
        // Nothing Steward keeps holds the plaintext: the database, the key file, run dirs, the config cache.
        let enumerator = FileManager.default.enumerator(atPath: fixture.state.path)
        while let relative = enumerator?.nextObject() as? String {
            guard !relative.hasPrefix("apps/") else { continue }
            let path = fixture.state.url.appendingPathComponent(relative).path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let bytes = FileManager.default.contents(atPath: path)
            else { continue }
            #expect(!bytes.contains(Data(value.utf8)), "\(relative) holds the secret")
        }

        let wrongKey = try StewardBinary.run(["reconcile", "--once"] + fixture.configArguments,
                                             environment: ["STEWARD_MASTER_KEY": Data(repeating: 7, count: 32).base64EncodedString()])
        #expect(wrongKey.status == 0, "nothing to deploy: the key is not needed")
        let rotated = try StewardBinary.run(["secret", "set", "hello", "GREETING"] + fixture.stateArguments, input: "bonjour")
        #expect(rotated.stdout.contains("version 2"))
        let withWrongKey = try StewardBinary.run(["reconcile", "--once"] + fixture.configArguments,
                                                 environment: ["STEWARD_MASTER_KEY": Data(repeating: 7, count: 32).base64EncodedString()])
        #expect(withWrongKey.status == 1)
        #expect(withWrongKey.stdout.contains("is not the one this state dir's secrets are sealed with"), "\(withWrongKey.stdout)")
        // Setting a secret with another key is refused: one store never holds secrets under two keys.
        let otherKey = try StewardBinary.run(["secret", "set", "hello", "OTHER"] + fixture.stateArguments,
                                             environment: ["STEWARD_MASTER_KEY": Data(repeating: 7, count: 32).base64EncodedString()], input: "x")
        #expect(otherKey.status == 1, "\(otherKey.stdout)\n\(otherKey.stderr)")
        #expect(otherKey.stderr.contains("is not the one this state dir's secrets are sealed with"), "\(otherKey.stderr)")
        #expect(!(try StewardBinary.run(["secret", "list", "hello"] + fixture.stateArguments).stdout.contains("OTHER")))
        // A project that is not registered gets a warning (the secret is stored all the same).
        let typo = try StewardBinary.run(["secret", "set", "helo", "GREETING"] + fixture.stateArguments, input: "x")
        #expect(typo.status == 0 && typo.stderr.contains("warning: no project named helo is registered"), "\(typo.stderr)")
        let redeployed = try fixture.reconcile()
        #expect(redeployed.status == 0)
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("bonjour") == true)
    }
}
