"""A small web service scaffolded by Steward's Architect (Python 3 standard library only).

Listens on $HOST:$PORT (HOST defaults to 127.0.0.1). GET /health answers 200 {"status": "ok"}; every path
listed in routes.json answers its text. Steward's builtin Developer adds routes there.
"""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))


def load_routes():
    with open(os.path.join(HERE, "routes.json"), encoding="utf-8") as handle:
        return json.load(handle)


def respond(path):
    """(status, content type, body) for a GET of path."""
    if path == "/health":
        return 200, "application/json", json.dumps({"status": "ok"}) + "\n"
    routes = load_routes()
    if path in routes:
        return 200, "text/plain; charset=utf-8", routes[path] + "\n"
    return 404, "application/json", json.dumps({"error": "not found"}) + "\n"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status, content_type, body = respond(self.path)
        payload = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        print("%s %s" % (self.address_string(), format % args), flush=True)


def main():
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer((host, port), Handler)
    print(f"listening on {host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
