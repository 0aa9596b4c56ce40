import Foundation
import StewardAgents
import StewardGit
import StewardModel
import Testing

/// The openai Developer with a scripted chat transport and libgit2 applying its diffs.
struct OpenAIDeveloperTests {
    /// Replies in order and keeps the prompts.
    actor Script {
        var replies: [String]
        private(set) var prompts: [String] = []
        init(_ replies: [String]) { self.replies = replies }
        func next(_ messages: [ChatMessage]) -> String {
            prompts.append(messages.last?.content ?? "")
            return replies.isEmpty ? "" : replies.removeFirst()
        }
    }

    @Test func aDiffFromTheModelIsAppliedAndAFailureSaysWhy() async throws {
        let fixture = try AgentFixture()
        let diff = """
            ```diff
            diff --git a/routes.json b/routes.json
            --- a/routes.json
            +++ b/routes.json
            @@ -1,3 +1,4 @@
             {
            -  "/": "shop"
            +  "/": "shop",
            +  "/hours": "9 to 5"
             }
            ```
            """
        let script = Script(["NEEDS_INPUT: when are you open?", diff])
        let developer = OpenAIDeveloper(complete: { try await script.next($0) }, applyPatch: GitPatch.apply)
        let manifest = AgentFixture.manifest(changes: [.init(id: "hours", description: "show the opening hours")])
        await fixture.register(manifest)
        #expect(try await fixture.runner(developer: developer).advance(fixture.request(manifest)) == .waiting(question: "when are you open?"))
        // Resumed: the node runs again from its start, so the model is asked again, now with the answer.
        await script.prepend("NEEDS_INPUT: when are you open?")
        let done = try await fixture.runner(developer: developer).advance(fixture.request(manifest, answer: "9 to 5"))
        #expect(done == .completed("ready to deploy"))
        #expect(try await fixture.files()["routes.json"]?.contains("\"/hours\": \"9 to 5\"") == true)
        let prompts = await script.prompts
        #expect(prompts.last?.contains("A person's answer to your question 1: 9 to 5") == true)
        #expect(prompts.last?.contains("=== app.py") == true && prompts.last?.contains("- hours: show the opening hours") == true)

        let broken = try AgentFixture()
        let bad = Script(["```diff\ndiff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-nothing like this\n+x\n```"])
        let other = OpenAIDeveloper(complete: { try await bad.next($0) }, applyPatch: GitPatch.apply)
        await broken.register(manifest)
        let error = await #expect(throws: (any Error).self) { try await broken.runner(developer: other).advance(broken.request(manifest)) }
        #expect("\(error!)".contains("the model's diff does not apply"))
    }
}

extension OpenAIDeveloperTests.Script {
    func prepend(_ reply: String) { replies.insert(reply, at: 0) }
}
