#!/usr/bin/env python3
# Drives Debian's headless Chromium over the Chrome DevTools Protocol, for the integration tests and the benchmark.
# Standard library only: the WebSocket client below is written over `socket`.
#   browser.py [--timeout S] [--base URL] [--header 'Name: value']... [--out DIR] COMMAND ...
#     pages PATH... [--color-scheme light|dark] [--no-scripts]
#                                                  one line per path: {path, status, title, errors, html, screenshot}
#     live PATH --selector CSS --contains TEXT     {"ready": true}, then {found, elapsedMs, navigations, errors,
#                                                  matches, screenshot}
#     watch PATH --selector CSS --duration S [--interval-ms 250]
#                                                  {samples: [{t, wall, count, last, heap, htmlBytes}], maxCount,
#                                                  maxHtmlBytes, errors}
# An error is {"source": "console"|"exception"|"log"|"network", "text": ..., "url": ... (when known)}.
# Exit 0 when it ran (errors found in pages are data: the caller judges), 2 usage, 3 chromium cannot start,
# 4 a wait exceeded --timeout (page load, or any DevTools reply), 1 anything else (e.g. chromium died midway).
# Chromium ($CHROMIUM, else `chromium` on PATH) runs in its own session with a temporary profile, and is SIGKILLed
# and its profile removed at exit, also on exceptions, SIGTERM and SIGINT.
import argparse, base64, collections, hashlib, json, math, os, queue, re, shutil, signal, socket, struct
import subprocess, sys, tempfile, threading, time, urllib.parse, urllib.request


class LoadTimeout(Exception):
    """A wait exceeded --timeout (exit 4)."""


class StartError(Exception):
    """Chromium could not be started or reached (exit 3)."""


class WebSocket:
    """Minimal RFC 6455 client: masked text frames out; text, continuation, ping and close frames in."""

    def __init__(self, url, timeout):
        u = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
        self.lock, self.rfile = threading.Lock(), self.sock.makefile("rb")
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path or '/'}{'?' + u.query if u.query else ''} HTTP/1.1\r\nHost: {u.netloc}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = [self.rfile.readline()]
        while head[-1] not in (b"\r\n", b"\n", b""):
            head.append(self.rfile.readline())
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        if not head[0].startswith(b"HTTP/1.1 101") or accept not in b"".join(head):
            raise ConnectionError(f"websocket handshake refused: {head[0].decode(errors='replace').strip()}")
        self.sock.settimeout(None)  # the reader thread blocks; waits are bounded by the CDP inbox instead

    def _frame(self, opcode, payload):
        """Sends one final, masked frame (client frames must be masked)."""
        n, mask = len(payload), os.urandom(4)
        header = (struct.pack("!BB", 0x80 | opcode, 0x80 | n) if n < 126 else
                  struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n) if n < 65536 else
                  struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n))
        keys = (mask * (n // 4 + 1))[:n]  # XOR the whole payload at once, as big integers
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(keys, "big")).to_bytes(n, "big")
        with self.lock:
            self.sock.sendall(header + mask + masked)

    def send(self, text):
        """Sends one text message."""
        self._frame(0x1, text.encode())

    def _read(self, n):
        """Returns exactly n bytes."""
        data = self.rfile.read(n)
        if len(data) < n:
            raise ConnectionError("websocket closed by peer")
        return data

    def recv(self):
        """Returns the next complete text message, or None when the peer closes. Answers pings."""
        parts = []
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
            if opcode == 0x8:  # close: echo its status code, then report the end
                try:
                    self._frame(0x8, payload[:2])
                except OSError:
                    pass
                return None
            if opcode == 0x9:
                self._frame(0xA, payload)
            elif opcode in (0x0, 0x1, 0x2):  # continuation, text, binary
                parts.append(payload)
                if b0 & 0x80:
                    return b"".join(parts).decode(errors="replace")


class CDP:
    """One DevTools session: a thread reads messages; commands wait for their reply, events go to `on_event`."""

    def __init__(self, ws, on_event):
        self.ws, self.on_event, self.next_id, self.inbox = ws, on_event, 0, queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        """Moves incoming messages into the inbox; None marks the end of the connection."""
        try:
            while (text := self.ws.recv()) is not None:
                self.inbox.put(json.loads(text))
        except (OSError, ValueError):
            pass
        self.inbox.put(None)

    def _next(self, deadline):
        """Returns the next message, or None at the deadline. Raises when chromium went away."""
        try:
            msg = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None
        if msg is None:
            self.inbox.put(None)
            raise ConnectionError("chromium closed the DevTools connection")
        return msg

    def call(self, method, timeout, **params):
        """Sends a command and returns its result; RuntimeError on a protocol error, LoadTimeout without reply."""
        self.next_id += 1
        my_id, deadline = self.next_id, time.monotonic() + timeout
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while (msg := self._next(deadline)) is not None:
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            if "method" in msg:
                self.on_event(msg["method"], msg.get("params", {}))
        raise LoadTimeout(f"no reply to {method} within {timeout}s")

    def pump(self, seconds, until=lambda: False):
        """Handles events for `seconds` or until `until()` holds; returns whether it held."""
        deadline = time.monotonic() + seconds
        while not until():
            if (msg := self._next(deadline)) is None:
                return until()
            if "method" in msg:
                self.on_event(msg["method"], msg.get("params", {}))
        return True


class Page:
    """The page target: navigation state, and the errors of the page under test."""

    def __init__(self, ws, timeout):
        self.timeout, self.collecting, self.errors, self.requests, self.doc_status = timeout, False, [], {}, {}
        self.loader_id, self.nav_loader, self.loaded, self.navigations = None, None, False, 0
        self.cdp = CDP(ws, self.on_event)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method, **params):
        """A CDP command bounded by --timeout."""
        return self.cdp.call(method, self.timeout, **params)

    def error(self, source, text, url=None):
        """Records one error of the page under test; not the browser's own /favicon.ico request (see below)."""
        if self.collecting and urllib.parse.urlsplit(url or "").path != "/favicon.ico":
            self.errors.append({"source": source, "text": text, **({"url": url} if url else {})})

    def on_event(self, method, p):
        """Turns DevTools events into navigation state and errors."""
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            text = " ".join(str(a["value"]) if "value" in a else a.get("description", a.get("type", ""))
                            for a in p.get("args", []))
            frame = (p.get("stackTrace") or {}).get("callFrames") or [{}]
            self.error("console", text or p["type"], frame[0].get("url"))
        elif method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            desc = (d.get("exception") or {}).get("description", "")
            self.error("exception", f"{d.get('text', '')} {desc}".strip(), d.get("url"))
        elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
            # Chromium logs here "Failed to load resource: ... 404" for subresources and the document itself,
            # and for the /favicon.ico it fetches on its own (once per origin, so only the first page would show it).
            self.error("log", p["entry"].get("text", ""), p["entry"].get("url"))
        elif method == "Network.requestWillBeSent":
            self.requests[p["requestId"]] = (p["request"]["url"], p.get("loaderId"))
        elif method == "Network.loadingFailed":
            url, loader = self.requests.get(p["requestId"], ("", None))
            # Canceled because its document went away (reload, navigation, end of test): no error. `canceled`
            # alone does not tell: a 404 script and an AbortController abort are canceled too, in the live document.
            if not (p.get("canceled") and loader != self.loader_id):
                self.error("network", p.get("errorText", "failed"), url)
        elif method == "Network.responseReceived" and p.get("type") == "Document":
            self.doc_status[p.get("loaderId")] = p["response"]["status"]  # arrives before Page.navigate returns
        elif method == "Page.frameNavigated" and not p["frame"].get("parentId"):
            self.loader_id = p["frame"]["loaderId"]
            if self.collecting and self.loaded:  # a navigation after the first load: a reload, a link, ...
                self.navigations += 1
        elif method == "Page.loadEventFired":
            self.loaded = True

    def evaluate(self, expression):
        """Returns the expression's JSON value, None while the document is being replaced; ValueError if it threw."""
        try:
            r = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        except RuntimeError:  # e.g. "Execution context was destroyed" during a reload
            return None
        if "exceptionDetails" in r:
            raise ValueError(r["exceptionDetails"].get("exception", {}).get("description", "exception"))
        return r["result"].get("value")

    def load(self, url):
        """Navigates, waits for the load event, readyState complete and 300 ms more; collects errors from now on."""
        self.errors, self.loaded, self.navigations, self.collecting = [], False, 0, True
        try:
            r = self.call("Page.navigate", url=url)
        except LoadTimeout:
            raise LoadTimeout(f"{url}: no response within {self.timeout}s") from None
        self.nav_loader = r.get("loaderId")
        if r.get("errorText") and not any(e["source"] == "network" for e in self.errors):
            self.error("network", r["errorText"], url)  # e.g. net::ERR_CONNECTION_REFUSED
        if not self.cdp.pump(self.timeout, lambda: self.loaded):
            raise LoadTimeout(f"{url}: no load event within {self.timeout}s")
        deadline = time.monotonic() + self.timeout
        while self.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise LoadTimeout(f"{url}: document.readyState not complete within {self.timeout}s")
            self.cdp.pump(0.05)
        self.cdp.pump(0.3)

    @property
    def status(self):
        """HTTP status of the main document of the last `load`; None when there was no response."""
        return self.doc_status.get(self.nav_loader)

    def leave(self):
        """Stops collecting and parks the tab on about:blank, so the tested page's requests end unrecorded."""
        self.collecting, self.loaded = False, False
        self.call("Page.navigate", url="about:blank")
        self.cdp.pump(self.timeout, lambda: self.loaded)

    def screenshot(self, path):
        """Writes a full-page PNG and returns its path."""
        m = self.call("Page.getLayoutMetrics")
        size = m.get("cssContentSize") or m["contentSize"]
        clip = {"x": 0, "y": 0, "width": math.ceil(size["width"]), "height": math.ceil(size["height"]), "scale": 1}
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return path


class Chromium:
    """A headless chromium in a session of its own with a temporary directory; `close` kills and removes both."""

    def __init__(self):
        self.proc, self.ws, self.stderr = None, None, collections.deque(maxlen=20)
        self.tmp, self.listening, self.ws_url = tempfile.mkdtemp(prefix="browser-py-"), threading.Event(), None

    def start(self, timeout):
        """Starts chromium and returns its page target, connected."""
        binary = os.environ.get("CHROMIUM") or shutil.which("chromium") or "chromium"
        try:
            self.proc = subprocess.Popen(
                [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--no-default-browser-check", "--remote-debugging-port=0", f"--user-data-dir={self.tmp}/profile",
                 "--window-size=1280,900", "about:blank"],
                # crashpad's database and dconf would otherwise go to ~/.config and ~/.cache
                env=dict(os.environ, XDG_CONFIG_HOME=f"{self.tmp}/config", XDG_CACHE_HOME=f"{self.tmp}/cache"),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        except OSError as e:
            raise StartError(f"cannot run {binary}: {e}")
        threading.Thread(target=self._read_stderr, daemon=True).start()
        if not self.listening.wait(timeout) or not self.ws_url:
            how = (f"exited with status {self.proc.poll()}" if self.proc.poll() is not None
                   else f"did not open DevTools within {timeout}s")
            raise StartError(f"{binary} {how}; its last stderr lines:\n" + "\n".join(self.stderr))
        try:
            port = urllib.parse.urlsplit(self.ws_url).port
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=timeout))
            self.ws = WebSocket(next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page"), timeout)
        except (OSError, ValueError, KeyError, StopIteration) as e:
            raise StartError(f"no page target to connect to: {e!r}")
        return Page(self.ws, timeout)

    def _read_stderr(self):
        """Keeps the pipe drained, remembers the last lines, finds `DevTools listening on ws://...`."""
        for raw in self.proc.stderr:
            self.stderr.append(line := raw.decode(errors="replace").rstrip())
            if m := re.search(r"DevTools listening on (ws://\S+)", line):
                self.ws_url = m.group(1)
                self.listening.set()
        self.listening.set()  # chromium exited: stop waiting

    def close(self):
        """SIGKILLs chromium's process group, then its crashpad handlers (they start sessions of their own; found
        by our temporary directory in their command line), and removes the temporary directory."""
        if self.ws:
            self.ws.sock.close()
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if self.tmp.encode() + b"/" in f.read():
                        os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        for _ in range(10):  # processes may still be dying while the tree is removed
            shutil.rmtree(self.tmp, ignore_errors=True)
            if not os.path.exists(self.tmp):
                break
            time.sleep(0.1)


def emit(obj):
    """Prints one JSON line and flushes it."""
    print(json.dumps(obj), flush=True)


def shot_name(path, suffix=""):
    """The screenshot's file name for a path: '/' -> 'index', '/a/b?c' -> 'a_b_c'."""
    return (re.sub(r"[^A-Za-z0-9._-]", "_", path.lstrip("/").replace("/", "_")).strip("_") or "index") + suffix + ".png"


def matching(selector):
    """JavaScript for the array of elements matching the selector."""
    return f"Array.from(document.querySelectorAll({json.dumps(selector)}))"


def load_checked(page, args):
    """Loads args.path; exits 2 when args.selector is not valid CSS."""
    page.load(args.base + args.path)
    try:
        page.evaluate(f"{matching(args.selector)}.length")
    except ValueError as e:
        print(f"browser.py: bad --selector {args.selector!r}: {str(e).splitlines()[0]}", file=sys.stderr)
        sys.exit(2)


def cmd_pages(page, args):
    """`pages`: status, title, errors, HTML and a full-page screenshot for each path."""
    if args.color_scheme:
        page.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": args.color_scheme}])
    if args.no_scripts:  # the page's own scripts never run; DevTools' evaluate still reads the DOM
        page.call("Emulation.setScriptExecutionDisabled", value=True)
    for path in args.paths:
        page.load(args.base + path)
        title, html = page.evaluate("document.title"), page.evaluate("document.documentElement.outerHTML")
        suffix = ("-dark" if args.color_scheme == "dark" else "") + ("-noscript" if args.no_scripts else "")
        shot = page.screenshot(os.path.join(args.out, shot_name(path, suffix)))
        emit({"path": path, "status": page.status, "title": title, "errors": page.errors, "html": html,
              "screenshot": shot})
        page.leave()


def cmd_live(page, args):
    """`live`: after the load, polls every 100 ms until an element matching the selector contains the text."""
    load_checked(page, args)
    emit({"ready": True})
    expr = f"{matching(args.selector)}.some(e => (e.textContent || '').includes({json.dumps(args.contains)}))"
    start = time.monotonic()
    while True:
        try:
            found = bool(page.evaluate(expr))
        except ValueError:
            found = False
        elapsed = time.monotonic() - start
        if found or elapsed >= page.timeout:
            break
        page.cdp.pump(min(0.1, page.timeout - elapsed))
    matches = page.evaluate(f"{matching(args.selector)}.length") or 0
    shot = page.screenshot(os.path.join(args.out, shot_name(args.path, "-live")))
    emit({"found": found, "elapsedMs": round(elapsed * 1000), "navigations": page.navigations,
          "errors": page.errors, "matches": matches, "screenshot": shot})


def cmd_watch(page, args):
    """`watch`: every interval for the duration, samples count, last text, JS heap and body HTML size."""
    load_checked(page, args)
    expr = (f"(() => {{ const a = {matching(args.selector)}, last = a[a.length - 1];"
            " return {count: a.length, last: last ? (last.textContent || '').slice(0, 200) : null,"
            " htmlBytes: document.body ? document.body.innerHTML.length : 0}; })()")
    samples, start, interval = [], time.monotonic(), args.interval_ms / 1000
    for i in range(int(args.duration / interval) + 1):
        page.cdp.pump(max(0.0, start + i * interval - time.monotonic()))
        t = round((time.monotonic() - start) * 1000)
        try:
            s = page.evaluate(expr)
            heap = page.call("Runtime.getHeapUsage")["usedSize"]
        except (ValueError, RuntimeError):
            s = None
        if s is not None:  # None: the document was being replaced, no sample
            samples.append({"t": t, "wall": round(time.time() * 1000), "count": s["count"], "last": s["last"],
                            "heap": heap, "htmlBytes": s["htmlBytes"]})
    emit({"samples": samples, "maxCount": max((s["count"] for s in samples), default=0),
          "maxHtmlBytes": max((s["htmlBytes"] for s in samples), default=0), "errors": page.errors})


def parse_args(argv):
    """The command line; argparse exits 2 on usage errors."""
    ap = argparse.ArgumentParser(description="Drive headless Chromium over the Chrome DevTools Protocol.")
    ap.add_argument("--timeout", type=float, default=30, help="bound of any single wait, seconds (default 30)")
    ap.add_argument("--base", default="", help="prefix of every PATH, e.g. http://127.0.0.1:4567")
    ap.add_argument("--header", action="append", default=[], help="'Name: value' sent with every request (repeatable)")
    ap.add_argument("--out", default=".", help="directory for screenshots (created if missing)")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pages", help="load each path: status, title, errors, html, screenshot")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--color-scheme", choices=["light", "dark"])
    p.add_argument("--no-scripts", action="store_true", help="load the pages with JavaScript disabled")
    for name, text in (("live", "wait until an element matching the selector contains a text"),
                       ("watch", "sample element count, JS heap and HTML size over time")):
        p = sub.add_parser(name, help=text)
        p.add_argument("path", metavar="PATH")
        p.add_argument("--selector", required=True)
    sub.choices["live"].add_argument("--contains", required=True)
    sub.choices["watch"].add_argument("--duration", type=float, required=True, help="seconds")
    sub.choices["watch"].add_argument("--interval-ms", type=float, default=250)
    args = ap.parse_args(argv)
    if args.timeout <= 0 or (args.command == "watch" and (args.duration < 0 or args.interval_ms <= 0)):
        ap.error("--timeout and --interval-ms must be positive, --duration not negative")
    args.headers = {}
    for h in args.header:
        name, sep, value = h.partition(":")
        if not sep or not name.strip():
            ap.error(f"--header {h!r} is not 'Name: value'")
        args.headers[name.strip()] = value.strip()
    return args


def main(argv):
    """Starts chromium, runs the subcommand, always cleans up; returns the exit status."""
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    browser = Chromium()
    try:
        page = browser.start(args.timeout)
        if args.headers:
            page.call("Network.setExtraHTTPHeaders", headers=args.headers)
        {"pages": cmd_pages, "live": cmd_live, "watch": cmd_watch}[args.command](page, args)
        return 0
    except StartError as e:
        print(f"browser.py: chromium cannot start: {e}\nInstall Debian's chromium package (apt-get install "
              "chromium), or set CHROMIUM to the browser's path.", file=sys.stderr)
        return 3
    except LoadTimeout as e:
        print(f"browser.py: timeout: {e}", file=sys.stderr)
        return 4
    except (ConnectionError, OSError, RuntimeError) as e:
        print(f"browser.py: {e}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        browser.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
