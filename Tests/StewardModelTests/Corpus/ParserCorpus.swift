import Foundation
import Testing

/// One broken file and the exact diagnostics `ManifestParser` must report for it.
struct ParserCase: Sendable, CustomTestStringConvertible {
    let name: String
    let path: String
    let data: Data
    /// Full `Diagnostic.description` lines, in file order.
    let expected: [String]
    /// Names of the Projects and Servers the file must still yield (its valid documents).
    let kept: [String]

    init(_ name: String, path: String = "manifests/app.yaml", _ text: String, kept: [String] = [], expect expected: [String]) {
        self.init(name, path: path, bytes: Array(text.utf8), kept: kept, expect: expected)
    }

    init(_ name: String, path: String = "manifests/app.yaml", bytes: [UInt8], kept: [String] = [], expect expected: [String]) {
        self.name = name
        self.path = path
        self.data = Data(bytes)
        self.kept = kept
        self.expected = expected
    }

    var testDescription: String { name }
}

/// The broken manifests. Each case spells out every line the parser prints; line and column are 1-based and
/// point at the offending token (or, for a missing field, at the key that should hold it).
enum ParserCorpus {
    static let yamlSyntax: [ParserCase] = [
        ParserCase("bad indentation", """
            apiVersion: steward/v1
            kind: Project
            metadata:
              name: weather-bot
             spec:
              repo: acme/weather-bot
            """, expect: [
            "manifests/app.yaml:5:2: error: invalid YAML: did not find expected key (while parsing a block mapping at line 1, "
                + "column 1); check the indentation of this line",
        ]),
        ParserCase("unclosed quote points at the opening quote", """
            apiVersion: steward/v1
            kind: Project
            metadata:
              name: "weather-bot
            spec:
              repo: acme/weather-bot
            """, expect: [
            "manifests/app.yaml:4:9: error: invalid YAML: quoted string starting here is never closed: found the end of the file "
                + "before the closing '\"'",
        ]),
        ParserCase("tab indentation", "apiVersion: steward/v1\nkind: Project\nmetadata:\n\tname: weather-bot\n", expect: [
            "manifests/app.yaml:4:1: error: invalid YAML: found a tab character where indentation or a value is expected; "
                + "indent YAML with spaces",
        ]),
        ParserCase("mapping values are not allowed", """
            apiVersion: steward/v1
            kind: Project
            metadata:
              name: weather-bot
            spec:
              repo: acme/weather-bot
              brief: Usage: /forecast CITY
            """, expect: [
            "manifests/app.yaml:7:15: error: invalid YAML: mapping values are not allowed in this context; a value containing "
                + "\": \" must be quoted, or this line is indented too far",
        ]),
        ParserCase("unclosed flow mapping", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot
            spec:
              repo: acme/weather-bot
            """, expect: [
            "manifests/app.yaml:4:5: error: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at "
                + "line 3, column 11); is the '{' at line 3, column 11 closed?",
        ]),
        ParserCase("line dedented out of a block scalar", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              env: |
                LOG_LEVEL=info
              TELEGRAM_TOKEN=${secret:TELEGRAM_TOKEN}
            """, expect: [
            "manifests/app.yaml:8:3: error: invalid YAML: expected \"KEY: VALUE\" but this line has no ':' after its key; "
                + "if it continues a value above (a '|' block, a list), indent it further",
        ]),
        ParserCase("duplicate key in a mapping", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              stage: active
              repo: acme/other
            """, expect: [
            "manifests/app.yaml:7:3: error: duplicate key \"repo\"; it is already set at line 5, column 3 of this mapping",
        ]),
        ParserCase("alias with no anchor", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: *name}
            spec: {repo: acme/weather-bot}
            """, expect: [
            "manifests/app.yaml:3:18: error: alias \"*name\" refers to no anchor; define \"&name\" before using it",
        ]),
        ParserCase("alias used as a mapping key is reported at the alias", """
            labels: &labels {team: bots}
            apiVersion: steward/v1
            ? *labels
            : oops
            """, expect: [
            "manifests/app.yaml:3:3: error: mapping keys must be plain strings, found an alias (a mapping)",
        ]),
        ParserCase("merge key", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              <<: {repo: acme/weather-bot}
            """, expect: [
            "manifests/app.yaml:5:3: error: merge keys (\"<<\") are not supported; write the fields out instead",
        ]),
        ParserCase("nesting deeper than the limit", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              brief: \(String(repeating: "[", count: 70))\(String(repeating: "]", count: 70))
            """, expect: [
            // `spec` is level 2, `brief`'s first '[' level 3: the 63rd '[' (column 72) is level 65.
            "manifests/app.yaml:6:72: error: nesting deeper than 64 levels; Steward reads at most 64 levels of sequences "
                + "and mappings",
        ]),
        ParserCase("invalid UTF-8", bytes: Array("apiVersion: steward/v1\nkind: Project\nmetadata: {name: café}\nspec: {brief: \"".utf8)
            + [0x63, 0x61, 0x66, 0xC3, 0x28, 0x22, 0x7D, 0x0A],
            expect: [
                // Column 19 counts "é" on line 3 as one character, as libyaml does; the bad byte is the 19th of line 4.
                "manifests/app.yaml:4:19: error: invalid UTF-8: byte 0xC3 does not start a valid UTF-8 sequence; "
                    + "manifest files must be UTF-8 text",
            ]),
        ParserCase("invalid UTF-8 after a multi-byte character on the same line",
            bytes: Array("apiVersion: steward/v1\nkind: Project\nmetadata: {name: a, labels: {team: \"é".utf8) + [0xFF, 0x22, 0x7D, 0x7D],
            expect: [
                "manifests/app.yaml:3:38: error: invalid UTF-8: byte 0xFF does not start a valid UTF-8 sequence; "
                    + "manifest files must be UTF-8 text",
            ]),
        ParserCase("control character", "apiVersion: steward/v1\nkind: Project\nmetadata: {name: a}\nspec: {repo: a/b, brief: \"x\u{7}\"}\n",
            expect: [
                "manifests/app.yaml:4:28: error: control character U+0007 is not allowed in YAML; remove it, or write it as "
                    + "an escape (\"\\x07\") in a double-quoted string",
            ]),
    ]

    static let documents: [ParserCase] = [
        ParserCase("document is a sequence", """
            - apiVersion: steward/v1
            - kind: Project
            """, expect: [
            "manifests/app.yaml:1:1: error: expected a manifest (a mapping with apiVersion, kind, metadata and spec), found a sequence",
        ]),
        ParserCase("document is a scalar", """
            apiVersion steward/v1
            """, expect: [
            "manifests/app.yaml:1:1: error: expected a manifest (a mapping with apiVersion, kind, metadata and spec), "
                + "found string \"apiVersion steward/v1\"",
        ]),
        ParserCase("missing apiVersion", """
            kind: Project
            metadata: {name: weather-bot}
            spec: {repo: acme/weather-bot}
            """, expect: [
            "manifests/app.yaml:1:1: error: missing required field \"apiVersion\"; expected \"apiVersion: steward/v1\"",
        ]),
        ParserCase("unknown apiVersion", """
            apiVersion: steward/v2
            kind: Project
            metadata: {name: weather-bot}
            spec: {repo: acme/weather-bot}
            """, expect: [
            "manifests/app.yaml:1:13: error: unknown apiVersion \"steward/v2\"; expected steward/v1",
        ]),
        ParserCase("missing kind", """
            apiVersion: steward/v1
            metadata: {name: weather-bot}
            spec: {repo: acme/weather-bot}
            """, expect: [
            "manifests/app.yaml:1:1: error: missing required field \"kind\"; expected one of Project, Server",
        ]),
        ParserCase("unknown kind with a hint", """
            apiVersion: steward/v1
            kind: Projekt
            metadata: {name: weather-bot}
            spec: {repo: acme/weather-bot}
            """, expect: [
            "manifests/app.yaml:2:7: error: unknown kind \"Projekt\" (did you mean \"Project\"?); expected one of Project, Server",
        ]),
        ParserCase("Settings inside manifests/", """
            apiVersion: steward/v1
            kind: Settings
            forge: {provider: local}
            """, expect: [
            "manifests/app.yaml:2:7: error: unknown kind \"Settings\"; Settings belong in steward.yaml at the repo root; "
                + "expected one of Project, Server",
        ]),
        ParserCase("missing metadata", """
            apiVersion: steward/v1
            kind: Project
            spec:
              repo: acme/weather-bot
            """, expect: [
            "manifests/app.yaml:1:1: error: missing required field \"metadata\"; expected a mapping with name",
        ]),
        ParserCase("missing metadata.name points at metadata and keeps labels known", """
            apiVersion: steward/v1
            kind: Project
            metadata:
              labels: {team: bots}
            spec:
              repo: acme/weather-bot
            """, expect: [
            "manifests/app.yaml:3:1: error: missing required field \"metadata.name\"; expected a DNS label such as \"weather-bot\"",
        ]),
        ParserCase("metadata.name with no value points at the key", """
            apiVersion: steward/v1
            kind: Server
            metadata:
              name:
            spec:
              address: ~
            """, expect: [
            "manifests/app.yaml:4:3: error: required field \"metadata.name\" has no value; expected a DNS label such as \"weather-bot\"",
            "manifests/app.yaml:6:3: error: required field \"spec.address\" has no value; expected the server's host name or IP address",
        ]),
        ParserCase("name with uppercase letters", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: Weather-Bot}
            spec: {repo: acme/weather-bot}
            """, expect: [
            "manifests/app.yaml:3:18: error: metadata.name \"Weather-Bot\" is not a valid DNS label (it contains uppercase letter "
                + "'W'): expected at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
        ]),
        ParserCase("name with an underscore", """
            apiVersion: steward/v1
            kind: Project
            metadata:
              name: weather_bot
            spec: {repo: acme/weather-bot}
            """, expect: [
            "manifests/app.yaml:4:9: error: metadata.name \"weather_bot\" is not a valid DNS label (it contains '_'): expected at "
                + "most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
        ]),
        ParserCase("name of 64 characters", """
            apiVersion: steward/v1
            kind: Server
            metadata:
              name: \(String(repeating: "a", count: 64))
            spec: {address: 10.0.0.2}
            """, expect: [
            "manifests/app.yaml:4:9: error: metadata.name \"\(String(repeating: "a", count: 64))\" is not a valid DNS label "
                + "(it is 64 characters long): expected at most 63 lowercase letters, digits and '-', starting and ending with "
                + "a letter or digit",
        ]),
        ParserCase("name starting with '-'", """
            apiVersion: steward/v1
            kind: Server
            metadata:
              name: "-vps"
            spec: {address: 10.0.0.2}
            """, expect: [
            "manifests/app.yaml:4:9: error: metadata.name \"-vps\" is not a valid DNS label (it starts with '-'): expected at most "
                + "63 lowercase letters, digits and '-', starting and ending with a letter or digit",
        ]),
        ParserCase("missing spec", """
            apiVersion: steward/v1
            kind: Project
            metadata:
              name: weather-bot
            """, expect: [
            "manifests/app.yaml:1:1: error: missing required field \"spec\"; expected a mapping with at least repo",
        ]),
        ParserCase("missing spec.repo points at spec", """
            apiVersion: steward/v1
            kind: Project
            metadata:
              name: weather-bot
            spec:
              brief: "Telegram bot that reports the weather"
            """, expect: [
            "manifests/app.yaml:5:1: error: missing required field \"spec.repo\"; expected OWNER/NAME of the project's repository",
        ]),
        ParserCase("repo written as a URL", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: https://github.com/acme/weather-bot.git
            """, expect: [
            "manifests/app.yaml:5:9: error: spec.repo \"https://github.com/acme/weather-bot.git\" must be OWNER/NAME (letters, "
                + "digits, '.', '-', '_') (did you mean \"acme/weather-bot\"?)",
        ]),
        ParserCase("repo without an owner", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: weather-bot
            """, expect: [
            "manifests/app.yaml:5:9: error: spec.repo \"weather-bot\" must be OWNER/NAME (letters, digits, '.', '-', '_')",
        ]),
    ]

    static let types: [ParserCase] = [
        ParserCase("string where an integer is expected", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              resources: {memoryMB: lots}
            """, expect: [
            "manifests/app.yaml:6:25: error: spec.resources.memoryMB: expected an integer, found string \"lots\"",
        ]),
        ParserCase("quoted integer", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              resources:
                memoryMB: "256"
                ports: 1.5
            """, expect: [
            "manifests/app.yaml:7:15: error: spec.resources.memoryMB: expected an integer, found string \"256\" (remove the quotes)",
            "manifests/app.yaml:8:12: error: spec.resources.ports: expected an integer, found number 1.5",
        ]),
        ParserCase("mapping where a string is expected", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo:
                owner: acme
                name: weather-bot
            """, expect: [
            "manifests/app.yaml:6:5: error: spec.repo: expected a string, found a mapping",
        ]),
        ParserCase("sequence for labels", """
            apiVersion: steward/v1
            kind: Project
            metadata:
              name: weather-bot
              labels: [team, bots]
            spec: {repo: acme/weather-bot}
            """, expect: [
            "manifests/app.yaml:5:11: error: metadata.labels: expected a mapping, found a sequence",
        ]),
        ParserCase("label value that is not a string", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec:
              address: 10.0.0.2
              labels: {region: [eu, us]}
            """, expect: [
            "manifests/app.yaml:6:20: error: spec.labels.region: expected a string, found a sequence",
        ]),
        ParserCase("non-boolean suspend", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              suspend: yes
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: other-bot}
            spec:
              repo: acme/other-bot
              suspend: "false"
            """, expect: [
            "manifests/app.yaml:6:12: error: spec.suspend: expected true or false, found string \"yes\"",
            "manifests/app.yaml:13:12: error: spec.suspend: expected true or false, found string \"false\" (remove the quotes)",
        ]),
        ParserCase("changes is not a sequence of mappings", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              changes:
                - add a /forecast command
            """, expect: [
            "manifests/app.yaml:7:7: error: spec.changes[0]: expected a mapping, found string \"add a /forecast command\"",
        ]),
    ]

    static let fields: [ParserCase] = [
        ParserCase("dependsOn entries that are not project names, and a name given twice", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: web}
            spec:
              repo: acme/web
              dependsOn: [db, {name: x}, Cache, db]
            """, expect: [
                "manifests/app.yaml:6:19: error: spec.dependsOn[1]: expected a project name, found a mapping",
                "manifests/app.yaml:6:30: error: spec.dependsOn[2] \"Cache\" is not a project name (it contains uppercase letter 'C')",
                "manifests/app.yaml:6:37: error: spec.dependsOn names \"db\" twice",
            ]),
        ParserCase("unknown fields at several depths, with hints", """
            apiVersion: steward/v1
            kind: Project
            metadata:
              name: weather-bot
              lables: {team: bots}
            spec:
              repos: acme/weather-bot
              deploy:
                helthPath: /health
            """, expect: [
            "manifests/app.yaml:5:3: error: unknown field \"metadata.lables\" (did you mean \"labels\"?)",
            "manifests/app.yaml:6:1: error: missing required field \"spec.repo\"; expected OWNER/NAME of the project's repository",
            "manifests/app.yaml:7:3: error: unknown field \"spec.repos\" (did you mean \"repo\"?)",
            "manifests/app.yaml:9:5: error: unknown field \"spec.deploy.helthPath\" (did you mean \"healthPath\"?)",
        ]),
        ParserCase("agents.write is propose or direct", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              agents: {write: always}
            """, expect: [
            "manifests/app.yaml:6:19: error: spec.agents.write: expected one of propose, direct, found \"always\"",
        ]),
        ParserCase("unknown field with no close match lists the known ones", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              colour: blue
            """, expect: [
            "manifests/app.yaml:6:3: error: unknown field \"spec.colour\"; expected one of: agents, brief, changes, dependsOn, deploy, env, ref, "
                + "repo, resources, selfHeal, server, stage, suspend",
        ]),
        ParserCase("unknown top-level field", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec: {address: 10.0.0.2}
            status: {phase: ready}
            """, expect: [
            "manifests/app.yaml:5:1: error: unknown field \"status\"; expected one of: apiVersion, kind, metadata, spec",
        ]),
        ParserCase("unknown stage", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              stage: deployed
            """, expect: [
            "manifests/app.yaml:6:10: error: spec.stage: expected one of designed, implemented, verified, active, found \"deployed\"",
        ]),
        ParserCase("unknown strategy with a hint", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              deploy:
                strategy: blue-green
            """, expect: [
            "manifests/app.yaml:7:15: error: spec.deploy.strategy: expected one of recreate, blueGreen, found \"blue-green\" "
                + "(did you mean \"blueGreen\"?)",
        ]),
        ParserCase("healthPath not starting with '/'", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              deploy: {healthPath: health}
            """, expect: [
            "manifests/app.yaml:6:24: error: spec.deploy.healthPath \"health\" must be a path starting with '/'",
        ]),
        ParserCase("healthPath with a space says so", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              deploy: {healthPath: "/health check"}
            """, expect: [
            "manifests/app.yaml:6:24: error: spec.deploy.healthPath \"/health check\" must not contain spaces or other whitespace "
                + "(write %20 for a space)",
        ]),
        ParserCase("bad ref name", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              ref: "release..1"
            """, expect: [
            "manifests/app.yaml:6:8: error: spec.ref \"release..1\" is not a valid git ref name",
        ]),
        ParserCase("duplicate change ids and a change without a description", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              changes:
                - id: add-forecast
                  description: Add a /forecast command
                - id: add-forecast
                  description: Add hourly forecasts
                - {id: add-alerts}
            """, expect: [
            "manifests/app.yaml:9:11: error: spec.changes[1].id: duplicate change id \"add-forecast\"; spec.changes[0] at line 7 "
                + "already uses it, and each change needs its own id",
            "manifests/app.yaml:11:7: error: missing required field \"spec.changes[2].description\"",
        ]),
        ParserCase("secret reference with a bad name", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              env: |
                LOG_LEVEL=info
                TELEGRAM_TOKEN=${secret:TELEGRAM TOKEN}
            """, expect: [
            "manifests/app.yaml:8:5: error: spec.env line 2: secret reference \"${secret:TELEGRAM TOKEN}\" must name a secret: 1-128 "
                + "letters, digits, '_', '-' or '.', starting with a letter or '_'",
        ]),
        ParserCase("every env line that is not KEY=VALUE and every bad reference, each where it is", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              env: |
                LOG_LEVEL=info
                JUSTTEXT
                A=${secret:bad name} B=${secret:ok} C=${secret:9x}
                1BAD=x
                # a comment, and a blank line, are fine

                export OK="quoted value"
            """, expect: [
            "manifests/app.yaml:8:5: error: spec.env line 2: expected KEY=VALUE, found \"JUSTTEXT\" (no '=')",
            "manifests/app.yaml:9:5: error: spec.env line 3: secret reference \"${secret:9x}\" must name a secret: 1-128 "
                + "letters, digits, '_', '-' or '.', starting with a letter or '_'",
            "manifests/app.yaml:9:5: error: spec.env line 3: secret reference \"${secret:bad name}\" must name a secret: 1-128 "
                + "letters, digits, '_', '-' or '.', starting with a letter or '_'",
            "manifests/app.yaml:10:5: error: spec.env line 4: \"1BAD\" is not a variable name: letters, digits and '_', "
                + "not starting with a digit",
        ]),
        ParserCase("unclosed secret reference", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              env: "TOKEN=${secret:TOKEN\\nLOG_LEVEL=info}"
            """, expect: [
            "manifests/app.yaml:6:8: error: spec.env line 1: secret reference \"${secret:TOKEN\" is not closed with '}'",
        ]),
        ParserCase("reversed port range", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec:
              address: 10.0.0.2
              capacity: {ports: "9000-8000"}
            """, expect: [
            "manifests/app.yaml:6:21: error: spec.capacity.ports: expected a port range \"LOW-HIGH\" with 1 <= LOW <= HIGH <= "
                + "65535, found string \"9000-8000\" (9000 is above 8000)",
        ]),
        ParserCase("port range that is not a number", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec:
              address: 10.0.0.2
              capacity:
                ports: abc
            """, expect: [
            "manifests/app.yaml:7:12: error: spec.capacity.ports: expected a port range \"LOW-HIGH\" with 1 <= LOW <= HIGH <= "
                + "65535, found string \"abc\" (\"abc\" is not a number)",
        ]),
        ParserCase("port above 65535 in a range", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec:
              address: 10.0.0.2
              capacity:
                ports: "70000"
            """, expect: [
            "manifests/app.yaml:7:12: error: spec.capacity.ports: expected a port range \"LOW-HIGH\" with 1 <= LOW <= HIGH <= "
                + "65535, found string \"70000\" (70000 is not a port number)",
        ]),
        ParserCase("port range without an upper bound", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec:
              address: 10.0.0.2
              capacity:
                ports: 80-
            """, expect: [
            "manifests/app.yaml:7:12: error: spec.capacity.ports: expected a port range \"LOW-HIGH\" with 1 <= LOW <= HIGH <= "
                + "65535, found string \"80-\" (a bound is missing)",
        ]),
        ParserCase("port range given as a sequence", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec:
              address: 10.0.0.2
              capacity:
                ports: [8000, 8999]
            """, expect: [
            "manifests/app.yaml:7:12: error: spec.capacity.ports: expected a port range \"LOW-HIGH\" with 1 <= LOW <= HIGH <= "
                + "65535, found a sequence",
        ]),
        ParserCase("SSH port out of range", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec:
              address: 10.0.0.2
              port: 70000
            ---
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-2}
            spec: {address: 10.0.0.3, port: 0}
            """, expect: [
            "manifests/app.yaml:6:9: error: spec.port: 70000 is out of range 1...65535",
            "manifests/app.yaml:11:33: error: spec.port: 0 is out of range 1...65535",
        ]),
        ParserCase("host key without a type", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec:
              address: 10.0.0.2
              hostKey: AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
            """, expect: [
            "manifests/app.yaml:6:12: error: spec.hostKey \"AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6…\" has unknown key type "
                + "\"AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\" and no key data; expected "
                + "\"TYPE BASE64\" as in a .pub file, e.g. \"ssh-ed25519 AAAAC3Nza…\"",
        ]),
        ParserCase("host key copied from known_hosts", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec:
              address: 10.0.0.2
              hostKey: "10.0.0.2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
            """, expect: [
            "manifests/app.yaml:6:12: error: spec.hostKey \"10.0.0.2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE…\" starts with "
                + "\"10.0.0.2\", which looks like the host field of a known_hosts line; remove it; expected \"TYPE BASE64\" as in "
                + "a .pub file, e.g. \"ssh-ed25519 AAAAC3Nza…\"",
        ]),
        ParserCase("playbook path with '..'", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              deploy:
                playbook: ../secrets/steal.yml
            """, expect: [
            "manifests/app.yaml:7:15: error: spec.deploy.playbook \"../secrets/steal.yml\" escapes playbooks/: '..' is not allowed",
        ]),
        ParserCase("absolute playbook path", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            spec:
              repo: acme/weather-bot
              deploy:
                playbook: /etc/ansible/site.yml
            """, expect: [
            "manifests/app.yaml:7:15: error: spec.deploy.playbook \"/etc/ansible/site.yml\" must be relative to playbooks/, "
                + "not absolute",
        ]),
    ]

    static let multiDocument: [ParserCase] = [
        ParserCase("a syntax error in the middle document keeps the others", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: good-one}
            spec: {repo: acme/good-one}
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: broken}
            spec: {repo: "acme/broken}
            ---
            apiVersion: steward/v1
            kind: Server
            metadata: {name: good-two}
            spec: {address: 10.0.0.2}
            """, kept: ["good-one", "good-two"], expect: [
            "manifests/app.yaml:9:14: error: invalid YAML: quoted string starting here is never closed: found a \"---\" line at "
                + "line 10 before the closing '\"'",
        ]),
        ParserCase("a syntax error in the first document keeps the next", """
            apiVersion: steward/v1
            kind: Project
            metadata:
              name: broken
               stage: active
            spec: {repo: acme/broken}
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: good}
            spec: {repo: acme/good}
            """, kept: ["good"], expect: [
            "manifests/app.yaml:5:9: error: invalid YAML: mapping values are not allowed in this context; a value containing "
                + "\": \" must be quoted, or this line is indented too far",
        ]),
        ParserCase("a duplicate key in the last document keeps the first", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: one}
            spec: {repo: acme/one}
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: two, name: three}
            spec: {repo: acme/two}
            """, kept: ["one"], expect: [
            "manifests/app.yaml:8:23: error: duplicate key \"name\"; it is already set at line 8, column 12 of this mapping",
        ]),
        ParserCase("a semantic error in one document keeps the others", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec: {address: 10.0.0.2}
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: Bad}
            spec: {repo: acme/bad}
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: good}
            spec: {repo: acme/good, server: vps-1}
            """, kept: ["vps-1", "good"], expect: [
            "manifests/app.yaml:8:18: error: metadata.name \"Bad\" is not a valid DNS label (it contains uppercase letter 'B'): "
                + "expected at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
        ]),
        ParserCase("two broken documents are both reported", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: a
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: "b}
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: c}
            spec: {repo: acme/c}
            """, kept: ["c"], expect: [
            "manifests/app.yaml:4:1: error: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line "
                + "3, column 11); is the '{' at line 3, column 11 closed?",
            "manifests/app.yaml:7:18: error: invalid YAML: quoted string starting here is never closed: found a \"---\" line at "
                + "line 8 before the closing '\"'",
        ]),
    ]

    static let settings: [ParserCase] = [
        ParserCase("bad durations", path: "steward.yaml", """
            apiVersion: steward/v1
            kind: Settings
            intervals:
              configRepo: 1 minute
              githubSync: 0s
              healthCheck: 5x
            """, expect: [
            "steward.yaml:4:15: error: intervals.configRepo: expected a positive duration like 90s, 5m or 1h, found string \"1 minute\"",
            "steward.yaml:5:15: error: intervals.githubSync: expected a positive duration like 90s, 5m or 1h, found string \"0s\"",
            "steward.yaml:6:16: error: intervals.healthCheck: expected a positive duration like 90s, 5m or 1h, found string \"5x\"",
        ]),
        ParserCase("unknown settings fields", path: "steward.yaml", """
            kind: Settings
            forge:
              provider: github
              token: ghp_secret
            ssh: {privatekeyFile: /etc/steward/id_ed25519}
            agent: {backend: builtin}
            """, expect: [
            "steward.yaml:4:3: error: unknown field \"forge.token\"; expected one of: apiURL, auth, owner, path, provider",
            "steward.yaml:5:7: error: unknown field \"ssh.privatekeyFile\" (did you mean \"privateKeyFile\"?)",
            "steward.yaml:6:1: error: unknown field \"agent\" (did you mean \"agents\"?)",
        ]),
        ParserCase("wrong kind in steward.yaml", path: "steward.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: weather-bot}
            """, expect: [
            "steward.yaml:2:7: error: steward.yaml must be kind Settings, found \"Project\"",
            "steward.yaml:3:1: error: unknown field \"metadata\"; expected one of: agents, apiVersion, concurrency, forge, http, intervals, "
                + "journal, kind, notifications, playbookTimeout, prune, selfHeal, shutdownGrace, ssh, thresholds, webhooks",
        ]),
        ParserCase("http.listen not HOST:PORT, or open to the network without a token", path: "steward.yaml", """
            http: {listen: "0.0.0.0:9477"}
            webhooks:
              github: {secretEnv: "my secret", secret: abc}
            """, expect: [
            "steward.yaml:1:16: error: http.listen 0.0.0.0:9477 is not a loopback address: set http.tokenFile, the bearer token "
                + "/metrics requires",
            "steward.yaml:3:23: error: webhooks.github.secretEnv must name an environment variable (letters, digits, _), found "
                + "\"my secret\"; the secret itself never goes in steward.yaml",
            "steward.yaml:3:36: error: unknown field \"webhooks.github.secret\" (did you mean \"secretEnv\"?)",
        ]),
        ParserCase("notifications without what their provider needs", path: "steward.yaml", """
            notifications:
              - {name: ops, provider: webhook, url: "https://hooks.example.com/x", urlEnv: HOOK_URL}
              - {name: chat, provider: telegram, botTokenEnv: TG_TOKEN, events: [incident, deployed]}
              - {name: ops, provider: slack, urlEnv: "not a name"}
              - {name: nobody}
            """, expect: [
            "steward.yaml:2:5: error: notifications[0]: a webhook notification needs exactly one of url, urlEnv, urlFile",
            "steward.yaml:3:5: error: notifications[1]: a telegram notification needs botTokenEnv and chatID",
            "steward.yaml:3:80: error: notifications[1].events: expected one of incident, incident_resolved, question, "
                + "deploy_failed, deploy_succeeded, blocked, found \"deployed\"",
            "steward.yaml:4:5: error: notifications[2]: a slack notification needs exactly one of url, urlEnv, urlFile",
            "steward.yaml:4:12: error: notifications[2].name: \"ops\" names another notification already",
            "steward.yaml:4:42: error: notifications[2].urlEnv must name an environment variable (letters, digits, _), found \"not a name\"",
            "steward.yaml:5:5: error: notifications[3].provider is required: webhook, slack or telegram",
        ]),
        ParserCase("http.listen without a port", path: "steward.yaml", """
            http:
              listen: localhost
              tokenFile: /etc/steward/token
            """, expect: [
            "steward.yaml:2:11: error: http.listen must be HOST:PORT (127.0.0.1:9477, [::1]:9477, 0.0.0.0:9477; port 0 takes a free one), "
                + "found \"localhost\"",
        ]),
        ParserCase("unknown provider", path: "steward.yaml", """
            forge: {provider: gitlab}
            agents: {backend: gpt}
            """, expect: [
            "steward.yaml:1:19: error: forge.provider: expected one of local, github, found \"gitlab\" (did you mean \"github\"?)",
            "steward.yaml:2:19: error: agents.backend: expected one of builtin, command, openai, found \"gpt\"",
        ]),
        ParserCase("command backend without a command", path: "steward.yaml", """
            agents: {backend: command, timeout: 0}
            """, expect: [
            "steward.yaml:1:9: error: agents.backend is command but agents.command is not set; name the program the Developer runs",
            "steward.yaml:1:37: error: agents.timeout: expected a positive duration like 90s, 5m or 1h, found integer 0",
        ]),
        ParserCase("openai backend without endpoint and model", path: "steward.yaml", """
            kind: Settings
            agents:
              backend: openai
              apiKeyEnv: OPENAI_API_KEY
            """, expect: [
            "steward.yaml:3:3: error: agents: backend openai needs agents.endpoint and agents.model "
                + "(e.g. endpoint: https://api.openai.com/v1, model: gpt-4o-mini)",
        ]),
        ParserCase("openai endpoint, key variable and unknown agents field", path: "steward.yaml", """
            kind: Settings
            agents:
              backend: openai
              endpoint: api.openai.com/v1
              model: gpt-4o-mini
              apiKeyEnv: sk-abc123
              apiKey: sk-abc123
            """, expect: [
            "steward.yaml:4:13: error: agents.endpoint must be an http(s) URL such as https://api.openai.com/v1, "
                + "found \"api.openai.com/v1\"",
            "steward.yaml:6:14: error: agents.apiKeyEnv must name an environment variable (letters, digits, _), "
                + "found \"sk-abc123\"; the key itself never goes in steward.yaml",
            "steward.yaml:7:3: error: unknown field \"agents.apiKey\" (did you mean \"apiKeyEnv\"?)",
        ]),
        ParserCase("two Settings documents", path: "steward.yaml", """
            kind: Settings
            prune: true
            ---
            kind: Settings
            prune: false
            """, kept: ["Settings"], expect: [
            "steward.yaml:4:1: error: steward.yaml must hold one Settings document; found another one here",
        ]),
        ParserCase("settings that are not a mapping", path: "steward.yaml", """
            - forge
            - ssh
            """, expect: [
            "steward.yaml:1:1: error: expected controller settings (a mapping with kind: Settings and fields such as forge, ssh, "
                + "intervals), found a sequence",
        ]),
    ]

    static let all = yamlSyntax + documents + types + fields + multiDocument + settings
}
