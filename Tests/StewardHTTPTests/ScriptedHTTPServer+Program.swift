extension ScriptedHTTPServer {
    /// The server program: Python's `http.server` in HTTP/1.1 keep-alive mode, scripted by a JSON file.
    ///
    /// argv: script.json log.jsonl [certfile keyfile]. Prints the bound port on stdout's first line. Each
    /// request is appended to the log (one JSON object per line: method, target, route, connection number,
    /// headers, body) before it is answered, so a test that got a response finds its request logged.
    /// Routes map a path to steps; each request to the path takes the next step, the last one repeating.
    /// A step with `together: N` answers only once N requests to its route are in the server at once.
    /// A request for an absolute URL (as a proxy receives it) is routed by its path. Unknown paths get 404.
    static let program = #"""
# the next step, the last one repeating. Unknown paths get 404.
import gzip, json, os, socket, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

script = json.load(open(sys.argv[1]))
log_file = open(sys.argv[2], "a", buffering=1)
lock = threading.Lock()
together = threading.Condition(lock)
arrived = {}
counters = {}
connections = [0]

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm holds the body back
        # until the client's delayed ACK (~40 ms) on every kept-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with lock:
            connections[0] += 1
            self.connection_id = connections[0]

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = self.path
        if "://" in target:
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        route = target.split("?", 1)[0]
        with lock:
            steps = script["routes"].get(route)
            index = counters.get(route, 0)
            counters[route] = index + 1
            entry = {
                "method": self.command, "target": self.path, "route": route, "connection": self.connection_id,
                "headers": [[k.lower(), v] for k, v in self.headers.items()],
                "body": body.decode("utf-8", "replace"),
            }
            log_file.write(json.dumps(entry) + "\n")
        if steps is None:
            step = {"status": 404, "body": "{\"message\": \"Not Found\"}"}
        else:
            step = steps[min(index, len(steps) - 1)]
        parties = step.get("together", 0)
        if parties > 1:
            with together:
                arrived[route] = arrived.get(route, 0) + 1
                together.notify_all()
                met = together.wait_for(lambda: arrived[route] >= parties, timeout=script["patience"])
                count = arrived[route]
            if not met:
                step = {"status": 504, "body": "only %d of %d requests were handled together" % (count, parties)}
        time.sleep(step.get("delay", 0))
        payload = (step.get("body", "") * step.get("repeat", 1)).encode()
        headers = [tuple(h) for h in step.get("headers", [])]
        if step.get("gzip"):
            payload = gzip.compress(payload)
            headers.append(("Content-Encoding", "gzip"))
        self.send_response(step.get("status", 200))
        for name, value in headers:
            self.send_header(name, value)
        if self.command != "HEAD" and step.get("status", 200) not in (204, 304):
            self.send_header("Content-Length", str(len(payload)))
        else:
            payload = b""
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass

class Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops SYNs of a burst of connections; the client then waits for
    # the kernel's 1 s SYN retransmit.
    request_queue_size = 128
    def handle_error(self, request, client_address):
        pass

# The test process kills the server when it releases it; one still held when the process exits (or one whose
# test crashed) exits with its parent instead of lingering.
parent = os.getppid()
def watch_parent():
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)
threading.Thread(target=watch_parent, daemon=True).start()

server = Server(("127.0.0.1", 0), Handler)
if len(sys.argv) > 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"""#
}
