import Foundation
import StewardModel
import Testing

/// `ProjectSpec.secretReferences` and the project lifecycle's transition table.
struct ProjectModelTests {
    @Test func secretReferencesInOrderOfFirstUse() {
        var spec = ProjectSpec(repo: "acme/weather-bot")
        #expect(spec.secretReferences == [])
        spec.env = "LOG_LEVEL=info\n"
        #expect(spec.secretReferences == [])
        spec.env = """
            TELEGRAM_TOKEN=${secret:TELEGRAM_TOKEN}
            DB_URL=postgres://app:${secret:DB_PASSWORD}@db/app
            BACKUP_TOKEN=${secret:TELEGRAM_TOKEN}
            PAIR=${secret:A}${secret:b.c-d}
            UPPER=${SECRET:NOT_A_REFERENCE} ${env:HOME}
            """
        #expect(spec.secretReferences == ["TELEGRAM_TOKEN", "DB_PASSWORD", "A", "b.c-d"])
        spec.env = "A=${secret:FIRST}\nB=${secret:UNCLOSED"
        #expect(spec.secretReferences == ["FIRST"])
    }

    @Test func secretReferenceSyntax() {
        func problems(_ env: String) -> [String] { EnvFile.parse(env).problems.map(\.description) }
        #expect(problems("A=${secret:TOKEN} B=${secret:_x.y-1}") == [])
        #expect(problems("A=no references, only $HOME and ${HOME}") == [])
        #expect(problems("A=${secret:}")
            == ["line 1: secret reference \"${secret:}\" must name a secret: 1-128 letters, digits, '_', '-' or '.', starting with a letter or '_'"])
        #expect(problems("A=${secret:1TOKEN}").count == 1)
        #expect(problems("A=${secret:TOKEN\nB=}") == ["line 1: secret reference \"${secret:TOKEN\" is not closed with '}'"])
        #expect(Validation.isSecretName(String(repeating: "S", count: 128)))
        #expect(!Validation.isSecretName(String(repeating: "S", count: 129)))
    }

    /// The seed's chain, then maintenance back through design to active.
    static let chain: [ProjectPhase] = [
        .draft, .estimated, .provisioning, .initialized, .designing, .designed, .implementing, .implemented, .verifying,
        .verified, .deploying, .active, .maintenance, .designing, .designed, .implementing, .implemented, .verifying,
        .verified, .deploying, .active,
    ]

    @Test func legalChainFromDraftToActive() throws {
        var phase = Self.chain[0]
        for next in Self.chain.dropFirst() {
            #expect(phase.canTransition(to: next), "\(phase) -> \(next)")
            phase = try phase.transition(to: next)
            #expect(phase == next)
        }
        #expect(phase == .active)
    }

    @Test func shortcutsAndLoops() {
        #expect(ProjectPhase.discovered.canTransition(to: .initialized))
        #expect(ProjectPhase.discovered.canTransition(to: .draft))
        #expect(ProjectPhase.draft.canTransition(to: .initialized))
        #expect(ProjectPhase.initialized.canTransition(to: .deploying))
        #expect(ProjectPhase.verifying.canTransition(to: .implementing))
        #expect(ProjectPhase.active.canTransition(to: .deploying))
        #expect(ProjectPhase.maintenance.canTransition(to: .implementing))
    }

    @Test func illegalJumpNamesTheAllowedPhases() {
        #expect(throws: IllegalTransition(from: .draft, to: .active)) { try ProjectPhase.draft.transition(to: .active) }
        #expect(IllegalTransition(from: .draft, to: .active).description
            == "illegal project phase transition draft -> active; allowed from draft: estimated, initialized, provisioning")
        #expect(IllegalTransition(from: .designed, to: .deploying).description
            == "illegal project phase transition designed -> deploying; allowed from designed: implementing")
        for (from, to) in [
            (ProjectPhase.designing, ProjectPhase.verified), (.implemented, .active), (.active, .draft), (.verified, .designing),
            (.provisioning, .designing), (.deploying, .maintenance),
        ] {
            #expect(!from.canTransition(to: to), "\(from) -> \(to)")
            #expect(throws: IllegalTransition.self) { try from.transition(to: to) }
        }
    }

    @Test func nothingLeadsBackToDiscoveredAndStayingIsNotATransition() {
        for phase in ProjectPhase.allCases {
            #expect(!phase.canTransition(to: .discovered), "\(phase) -> discovered")
            #expect(!phase.canTransition(to: phase), "\(phase) -> \(phase)")
        }
    }

    @Test(arguments: [ProjectPhase.setupRequired, .waitingForResources, .error, .missing])
    func interruptionsAreReachableFromAnyPhase(_ interruption: ProjectPhase) throws {
        #expect(interruption.isInterruption)
        for phase in ProjectPhase.allCases where phase != interruption {
            #expect(try phase.transition(to: interruption) == interruption, "\(phase) -> \(interruption)")
        }
    }

    @Test(arguments: [ProjectPhase.setupRequired, .waitingForResources, .error, .missing])
    func returningFromAnInterruption(_ interruption: ProjectPhase) throws {
        // Back to where work stopped (the recorded resume phase), or on from the repo through any phase that is
        // not the agents' own; an agent phase only continues the work it was (discovered is observed only).
        for phase in ProjectPhase.allCases where phase != interruption && phase != .discovered {
            if phase.isAgentWork {
                #expect(!interruption.canTransition(to: phase), "\(interruption) -> \(phase) without work to resume")
                #expect(!interruption.canTransition(to: phase, resumePhase: .initialized) || phase == .designing)
                #expect(try interruption.transition(to: phase, resumePhase: phase) == phase, "\(interruption) -> \(phase)")
            } else {
                #expect(try interruption.transition(to: phase) == phase, "\(interruption) -> \(phase)")
            }
        }
        // A full interruption round trip in the middle of the chain.
        let resumed = try ProjectPhase.implementing.transition(to: interruption).transition(to: .implementing, resumePhase: .implementing)
        #expect(resumed == .implementing)
    }

    @Test func onlyTheFourInterruptionsAreInterruptions() {
        let interruptions = ProjectPhase.allCases.filter(\.isInterruption)
        #expect(Set(interruptions) == [.setupRequired, .waitingForResources, .error, .missing])
        #expect(ProjectPhase.setupRequired.rawValue == "setup_required")
        #expect(ProjectPhase.waitingForResources.rawValue == "waiting_for_resources")
    }
}
