import Foundation
import StewardTestSupport

/// git's smart HTTP protocol on 127.0.0.1 (python3 in front of `git http-backend`), requiring HTTP Basic
/// authentication as `x-access-token:<token>`; stopped on deinit.
final class SmartHTTPServer: @unchecked Sendable {
    let port: Int
    private let process: Process
    private let directory: TemporaryDirectory

    /// Serves the repositories under `projectRoot` at `http://127.0.0.1:PORT/<name>`.
    init(projectRoot: String, token: String) async throws {
        directory = try TemporaryDirectory(prefix: "steward-http")
        let script = try directory.write("server.py", Self.script)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, projectRoot]
        // The token travels by environment, as it would for Steward.
        process.environment = ProcessInfo.processInfo.environment.merging(["SERVER_TOKEN": token]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        guard let port = Int(try await firstLine(of: output)) else {
            kill(process.processIdentifier, SIGKILL)
            throw ServerDidNotStart()
        }
        self.port = port
    }

    struct ServerDidNotStart: Error, CustomStringConvertible {
        var description: String { "the smart HTTP test server (python3) announced no port" }
    }

    func url(_ name: String) -> String {
        "http://127.0.0.1:\(port)/\(name)"
    }

    deinit {
        // SIGKILL, not terminate(): the child inherits a signal mask with SIGTERM blocked from the
        // dispatch worker thread that spawned it, and python never unblocks it.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private static let script = #"""
    import base64, http.server, os, subprocess, sys

    root = sys.argv[1]
    expected = "Basic " + base64.b64encode(("x-access-token:" + os.environ["SERVER_TOKEN"]).encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.serve()

        def do_POST(self):
            self.serve()

        def read_body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = b""
                while True:
                    size = int(self.rfile.readline().strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return body
                    body += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def serve(self):
            body = self.read_body()
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="steward-test"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path, _, query = self.path.partition("?")
            env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path,
                       QUERY_STRING=query, REQUEST_METHOD=self.command, REMOTE_USER="x-access-token",
                       REMOTE_ADDR="127.0.0.1", CONTENT_TYPE=self.headers.get("Content-Type", ""),
                       CONTENT_LENGTH=str(len(body)))
            if self.headers.get("Content-Encoding"):
                env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
            output = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
            separator = b"\r\n\r\n" if b"\r\n\r\n" in output else b"\n\n"
            head, _, payload = output.partition(separator)
            status = 200
            headers = []
            for line in head.decode().splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """#
}
