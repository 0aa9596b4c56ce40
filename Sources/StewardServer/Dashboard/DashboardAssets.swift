import Crypto
import Foundation

/// The dashboard's stylesheet and script, compiled into the binary (no build step, nothing fetched from elsewhere).
/// Served under `/ui/` with their content hash in the URL, so a browser may keep them for a year.
enum DashboardAssets {
    static let stylesheetPath = "/ui/steward.css?v=" + version(of: stylesheet)
    static let scriptPath = "/ui/steward.js?v=" + version(of: script)

    private static func version(of text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    static let stylesheet = #"""
        :root {
          color-scheme: light dark;
          --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa; --link: #0550ae;
          --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --info: #0969da; --idle: #6e7781;
          --ok-bg: #dafbe1; --warn-bg: #fff8c5; --bad-bg: #ffebe9; --info-bg: #ddf4ff; --idle-bg: #eaeef2;
          font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --panel: #161b22; --link: #58a6ff;
            --ok: #3fb950; --warn: #d29922; --bad: #f85149; --info: #58a6ff; --idle: #8d96a0;
            --ok-bg: #12261e; --warn-bg: #272115; --bad-bg: #25171c; --info-bg: #121d2f; --idle-bg: #21262d;
          }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg); }
        a { color: var(--link); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 2px solid var(--info); outline-offset: 2px; }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; z-index: 2; }
        header.top { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: center; padding: 8px 20px; border-bottom: 1px solid var(--line); background: var(--panel); }
        header.top nav ul { display: flex; flex-wrap: wrap; gap: 2px 14px; list-style: none; margin: 0; padding: 0; }
        header.top nav a { text-decoration: none; color: var(--fg); padding: 4px 2px; border-bottom: 2px solid transparent; }
        header.top nav a[aria-current="page"] { border-bottom-color: var(--info); font-weight: 600; }
        header.top .brand { font-weight: 700; margin-right: 8px; }
        header.top .meta { margin-left: auto; color: var(--muted); font-size: 13px; }
        main { padding: 16px 20px 40px; max-width: 1400px; }
        h1 { font-size: 22px; margin: 4px 0 12px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
        h2 { font-size: 17px; margin: 24px 0 8px; }
        .muted, caption { color: var(--muted); }
        caption { text-align: left; padding: 4px 0; font-size: 13px; }
        table { border-collapse: collapse; width: 100%; font-size: 14px; }
        th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; background: var(--panel); position: sticky; top: 0; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
        pre { background: var(--panel); border: 1px solid var(--line); padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; }
        .badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; line-height: 20px; font-weight: 600; background: var(--idle-bg); color: var(--idle); white-space: nowrap; }
        .badge.ok { background: var(--ok-bg); color: var(--ok); }
        .badge.warn { background: var(--warn-bg); color: var(--warn); }
        .badge.bad { background: var(--bad-bg); color: var(--bad); }
        .badge.info { background: var(--info-bg); color: var(--info); }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 12px; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; background: var(--panel); }
        .card h2 { margin: 0 0 6px; font-size: 15px; }
        .card .big { font-size: 28px; font-weight: 700; }
        .card ul { list-style: none; padding: 0; margin: 4px 0 0; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        form.filters { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: end; margin: 0 0 12px; }
        form.filters label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); gap: 2px; }
        input, select, button { font: inherit; font-size: 14px; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 5px; padding: 4px 8px; }
        button { cursor: pointer; background: var(--panel); }
        nav.pages { display: flex; gap: 14px; align-items: center; margin: 10px 0; }
        .question { border-left: 4px solid var(--warn); background: var(--warn-bg); padding: 8px 12px; margin: 8px 0; white-space: pre-wrap; }
        .copy { display: flex; gap: 8px; align-items: flex-start; }
        .copy pre { flex: 1; margin: 0; }
        .run { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
        .run summary { cursor: pointer; }
        .run h3 { font-size: 15px; margin: 0 0 6px; display: inline-flex; gap: 8px; flex-wrap: wrap; align-items: center; }
        svg.bar { width: 100%; min-width: 120px; height: 12px; display: block; }
        svg.bar rect { fill: var(--idle); }
        svg.bar rect.ok { fill: var(--ok); }
        svg.bar rect.changed { fill: var(--warn); }
        svg.bar rect.failed, svg.bar rect.unreachable { fill: var(--bad); }
        svg.bar rect.skipped { fill: var(--line); }
        .log-tools { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
        .log-wrap { max-height: 70vh; overflow: auto; border: 1px solid var(--line); }
        table.log { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
        table.log td { padding: 2px 6px; border-bottom: none; white-space: pre-wrap; word-break: break-word; }
        table.log td.t { white-space: nowrap; color: var(--muted); }
        table.log tr.warning td.l { color: var(--warn); }
        table.log tr.error td.l, table.log tr.critical td.l { color: var(--bad); }
        table.log tr.debug td, table.log tr.trace td { color: var(--muted); }
        table.log td.f { color: var(--muted); }
        .status-live { color: var(--ok); }
        .status-down { color: var(--bad); }
        footer { color: var(--muted); font-size: 12px; padding: 12px 20px; border-top: 1px solid var(--line); }
        .login { max-width: 420px; margin: 60px auto; }
        .login form { display: flex; flex-direction: column; gap: 10px; }
        .error-text { color: var(--bad); }
        """#

    static let script = #"""
        // Steward dashboard: live updates and small conveniences. Every page works without it, except live logs.
        "use strict";
        (function () {
          function relative(date, now) {
            var s = Math.round((now - date) / 1000), m = Math.abs(s), a;
            if (m < 5) return "just now";
            if (m < 60) a = m + " s"; else if (m < 3600) a = Math.floor(m / 60) + " min";
            else if (m < 86400) a = Math.floor(m / 3600) + " h"; else a = Math.floor(m / 86400) + " d";
            return s >= 0 ? a + " ago" : "in " + a;
          }
          function refreshTimes() {
            var now = Date.now();
            document.querySelectorAll("time[datetime]:not([data-fixed])").forEach(function (el) {
              var d = Date.parse(el.getAttribute("datetime"));
              if (!isNaN(d)) el.textContent = relative(d, now);
            });
          }
          setInterval(refreshTimes, 15000);

          document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
            select.addEventListener("change", function () { select.form.submit(); });
          });

          document.querySelectorAll("button[data-copy]").forEach(function (button) {
            button.hidden = false;
            button.addEventListener("click", function () {
              var source = document.getElementById(button.getAttribute("data-copy"));
              if (!source || !navigator.clipboard) return;
              navigator.clipboard.writeText(source.textContent).then(function () {
                button.textContent = "Copied";
                setTimeout(function () { button.textContent = "Copy"; }, 1500);
              }, function () { button.textContent = "Copy failed"; });
            });
          });

          function cell(row, className, text) {
            var td = document.createElement("td");
            td.className = className;
            td.textContent = text;
            row.appendChild(td);
            return td;
          }
          function pad(n) { return n < 10 ? "0" + n : "" + n; }

          // A live log: the rows the server rendered, then each journal line the controller writes (Server-Sent
          // Events), at most data-max rows (the oldest go), rendered once per animation frame.
          function LiveLog(table) {
            var body = table.tBodies[0];
            var max = parseInt(table.getAttribute("data-max"), 10) || 1000;
            var url = table.getAttribute("data-follow");
            var tools = document.getElementById(table.getAttribute("data-tools"));
            var status = tools && tools.querySelector("[data-log-status]");
            var filter = tools && tools.querySelector("input[data-log-filter]");
            var pause = tools && tools.querySelector("button[data-log-pause]");
            var wrap = table.parentElement;
            var pending = [], paused = false, scheduled = false, needle = "";
            if (tools) tools.hidden = false;

            function setStatus(text, live) {
              if (!status) return;
              status.textContent = text;
              status.className = live ? "status-live" : "status-down";
            }
            function matches(row) { return !needle || row.textContent.toLowerCase().indexOf(needle) >= 0; }
            function render(line) {
              var row = document.createElement("tr");
              row.className = line.level;
              row.setAttribute("data-id", line.id);
              row.setAttribute("data-live", "");
              var t = new Date(line.time);
              var time = document.createElement("time");
              time.setAttribute("datetime", line.time);
              time.setAttribute("data-fixed", "");
              time.title = line.time;
              time.textContent = pad(t.getHours()) + ":" + pad(t.getMinutes()) + ":" + pad(t.getSeconds());
              var td = document.createElement("td");
              td.className = "t";
              td.appendChild(time);
              row.appendChild(td);
              cell(row, "l", line.level.toUpperCase());
              cell(row, "o", line.project || line.server || "");
              cell(row, "m", line.message);
              var fields = line.fields || {}, parts = [];
              if (line.action) parts.push("action=" + line.action);
              Object.keys(fields).sort().forEach(function (k) { parts.push(k + "=" + fields[k]); });
              cell(row, "f", parts.join(" "));
              if (!matches(row)) row.hidden = true;
              return row;
            }
            function flush() {
              scheduled = false;
              if (paused || pending.length === 0) return;
              var atBottom = wrap.scrollTop + wrap.clientHeight >= wrap.scrollHeight - 4;
              var lines = pending.length > max ? pending.slice(pending.length - max) : pending;
              pending = [];
              var fragment = document.createDocumentFragment();
              lines.forEach(function (line) { fragment.appendChild(render(line)); });
              body.appendChild(fragment);
              var excess = body.rows.length - max;
              while (excess-- > 0) body.deleteRow(0);
              var empty = table.querySelector("tr.empty");
              if (empty) empty.remove();
              if (atBottom) wrap.scrollTop = wrap.scrollHeight;
            }
            function schedule() {
              if (scheduled) return;
              scheduled = true;
              requestAnimationFrame(flush);
            }
            if (filter) filter.addEventListener("input", function () {
              needle = filter.value.toLowerCase();
              Array.prototype.forEach.call(body.rows, function (row) { row.hidden = !matches(row); });
            });
            if (pause) pause.addEventListener("click", function () {
              paused = !paused;
              pause.textContent = paused ? "Resume" : "Pause";
              pause.setAttribute("aria-pressed", paused ? "true" : "false");
              if (!paused) schedule();
            });
            var source = new EventSource(url);
            source.onopen = function () { setStatus("live", true); };
            source.onerror = function () {
              setStatus(source.readyState === EventSource.CLOSED ? "stopped" : "reconnecting…", false);
            };
            source.onmessage = function (event) {
              var line;
              try { line = JSON.parse(event.data); } catch (e) { return; }
              pending.push(line);
              // Paused, it keeps the newest lines only: the page never grows without bound.
              if (pending.length > max) pending.splice(0, pending.length - max);
              schedule();
            };
            wrap.scrollTop = wrap.scrollHeight;
          }
          document.querySelectorAll("table.log[data-follow]").forEach(function (table) { new LiveLog(table); });
        })();
        """#
}
