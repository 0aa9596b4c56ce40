import Foundation
import StewardModel
import Testing

/// The field-level rules shared by the parser and the validator, and `PortRange` parsing.
struct ValidationTests {
    @Test(arguments: [
        ("a", nil), ("weather-bot", nil), ("vps-1", nil), ("1st", nil), ("a1-b2-c3", nil),
        (String(repeating: "a", count: 63), nil),
        ("", "is empty"),
        (String(repeating: "a", count: 64), "is 64 characters long"),
        ("Weather-Bot", "contains uppercase letter 'W'"),
        ("weather_bot", "contains '_'"),
        ("weather.bot", "contains '.'"),
        ("wetter-bötchen", "contains 'ö'"),
        ("two words", "contains ' '"),
        ("-vps", "starts with '-'"),
        ("vps-", "ends with '-'"),
    ] as [(String, String?)])
    func dnsLabels(_ name: String, _ problem: String?) {
        #expect(Validation.dnsLabelProblem(name) == problem)
        #expect(Validation.isDNSLabel(name) == (problem == nil))
    }

    @Test func repoNames() {
        for good in ["acme/weather-bot", "a/b", "Acme.Org/repo_name.v2", "a-b/c-d", String(repeating: "x", count: 100) + "/y"] {
            #expect(Validation.isRepoName(good), "\(good)")
        }
        for bad in [
            "", "weather-bot", "acme/", "/weather-bot", "acme/weather/bot", "acme//bot", "./bot", "acme/..", "acme/.",
            "acme/weather bot", "acme/wetter-böt", "https://github.com/acme/bot", "git@github.com:acme/bot",
            String(repeating: "x", count: 101) + "/y",
        ] {
            #expect(!Validation.isRepoName(bad), "\(bad)")
        }
    }

    @Test func refNames() {
        for good in ["main", "feature/forecast", "v1.0.2", "release-2024", "a1b2c3d", "refs/heads/main", "fix_1", "a.b"] {
            #expect(Validation.isRefName(good), "\(good)")
        }
        for bad in [
            "", "@", "-main", "/main", "main/", "feature//x", "a..b", "main.", "main.lock", "a.lock/b", ".hidden",
            "feature/.hidden", "head@{1}", "with space", "tab\there", "tilde~1", "caret^", "colon:x", "what?", "star*",
            "bracket[", "back\\slash", "del\u{7F}",
        ] {
            #expect(!Validation.isRefName(bad), "\(bad)")
        }
    }

    @Test func userNames() {
        for good in ["deploy", "_svc", "a", "web-1", "first.last", String(repeating: "u", count: 32)] {
            #expect(Validation.isUserName(good), "\(good)")
        }
        for bad in ["", "1deploy", "-x", "de ploy", "root;rm", "düser", String(repeating: "u", count: 33)] {
            #expect(!Validation.isUserName(bad), "\(bad)")
        }
    }

    @Test(arguments: [
        ("90", 90), ("0", 0), ("90s", 90), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("2d", 172_800), ("1d2h3m4s", 93_784),
        ("", nil), ("s", nil), ("m5", nil), ("5", 5), ("5x", nil), ("1m30", nil), ("-5", nil), ("+5", nil), ("-5s", nil),
        ("1.5h", nil), ("5 m", nil), (" 5m", nil), ("5M", nil), ("1234567890s", nil), ("1234567890", nil), ("٥m", nil),
    ] as [(String, Int?)])
    func durations(_ text: String, _ seconds: Int?) {
        #expect(Validation.durationSeconds(text) == seconds)
    }

    @Test(arguments: [
        ("deploy_project.yml", nil), ("sub/dir/deploy.yaml", nil), ("a.b.yml", nil),
        ("", "must not be empty"),
        ("/etc/ansible/site.yml", "must be relative to playbooks/, not absolute"),
        ("~/site.yml", "must be relative to playbooks/, not absolute"),
        ("sub\\site.yml", "must use '/' as separator"),
        ("../site.yml", "escapes playbooks/: '..' is not allowed"),
        ("sub/../../site.yml", "escapes playbooks/: '..' is not allowed"),
        ("sub/..", "escapes playbooks/: '..' is not allowed"),
        ("./site.yml", "must be a plain path: no '.' or empty components"),
        ("sub//site.yml", "must be a plain path: no '.' or empty components"),
        ("sub/", "must be a plain path: no '.' or empty components"),
        ("site.json", "must name a .yml or .yaml file"),
        ("site", "must name a .yml or .yaml file"),
    ] as [(String, String?)])
    func playbookPaths(_ path: String, _ problem: String?) {
        #expect(Validation.playbookPathProblem(path) == problem)
    }

    @Test func hostKeys() {
        let ed25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
        #expect(Validation.hostKeyProblem("ssh-ed25519 \(ed25519)") == nil)
        #expect(Validation.hostKeyProblem("ssh-ed25519 \(ed25519) root@vps-1") == nil)
        #expect(Validation.hostKeyProblem("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=") == nil)
        #expect(Validation.hostKeyProblem("") == "is empty")
        #expect(Validation.hostKeyProblem("ssh-ed25519") == "has no key data after \"ssh-ed25519\"")
        #expect(Validation.hostKeyProblem("ssh-ed25519 not*base64!") == "has key data that is not base64")
        #expect(Validation.hostKeyProblem("ssh-ed25519 AAAA") == "has key data that is not base64")
        #expect(Validation.hostKeyProblem("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5A===") == "has key data that is not base64")
        #expect(Validation.hostKeyProblem("ed25519 \(ed25519)") == "has unknown key type \"ed25519\"")
        #expect(Validation.hostKeyProblem("vps-1,10.0.0.2 ssh-ed25519 \(ed25519)")
            == "starts with \"vps-1,10.0.0.2\", which looks like the host field of a known_hosts line; remove it")
    }

    @Test(arguments: [
        ("8000-8999", 8000, 8999), ("8080", 8080, 8080), ("1-65535", 1, 65535), (" 8000 - 8001 ", 8000, 8001),
        ("00080", 80, 80), ("443-443", 443, 443),
    ])
    func portRangesThatParse(_ text: String, _ lower: Int, _ upper: Int) {
        let range = PortRange(parsing: text)
        #expect(range == PortRange(lower: lower, upper: upper))
        #expect(range?.count == upper - lower + 1)
    }

    @Test(arguments: [
        "", "9000-8000", "abc", "70000", "65536", "0", "0-10", "80-", "-80", "1-2-3", "+80", "80.5", "8000 8999", "٨٠",
        "000080", "-", "8000-abc",
    ])
    func portRangesThatDoNotParse(_ text: String) {
        #expect(PortRange(parsing: text) == nil)
    }

    @Test func portRangeRoundTripsAsItsString() throws {
        let range = PortRange(lower: 8000, upper: 8999)
        #expect(range.description == "8000-8999")
        #expect(PortRange(lower: 22, upper: 22).description == "22")
        let json = try JSONEncoder().encode([range])
        #expect(String(decoding: json, as: UTF8.self) == "[\"8000-8999\"]")
        #expect(try JSONDecoder().decode([PortRange].self, from: json) == [range])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([PortRange].self, from: Data("[\"9-1\"]".utf8)) }
    }
}
