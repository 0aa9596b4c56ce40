"""The quickstart app: a tiny HTTP service that Steward deploys (Python 3 standard library only).

Listens on $HOST:$PORT (HOST defaults to 127.0.0.1; Steward's supervisor sets both). GET /health answers
200 {"status": "ok"}; GET / greets with $GREETING.
"""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "1"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            self.reply(200, {"status": "ok"})
        elif self.path == "/":
            greeting = os.environ.get("GREETING", "hello")
            self.reply(200, {"message": f"{greeting} from the quickstart app", "version": VERSION})
        else:
            self.reply(404, {"error": "not found"})

    def reply(self, status, body):
        payload = (json.dumps(body) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        print("%s %s" % (self.address_string(), format % args), flush=True)


def main():
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer((host, port), Handler)
    print(f"quickstart app version {VERSION} listening on {host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
