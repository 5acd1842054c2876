// The operations dashboard: polls /ops/api/snapshot every second and draws the last ten minutes with uPlot.
// The same file drives the sign-in page, which has a form instead of charts.
"use strict";

(function () {
  const windowSeconds = 600;
  const pollMs = 1000;

  const signIn = document.getElementById("signin");
  if (signIn) {
    signIn.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = document.getElementById("signin-error");
      error.textContent = "";
      const response = await fetch("/ops/session", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          email: document.getElementById("email").value,
          password: document.getElementById("password").value,
        }),
      });
      if (response.ok) {
        window.location.reload();
        return;
      }
      const problem = await response.json().catch(() => ({}));
      error.textContent = problem.detail || problem.title || `Sign-in failed (${response.status}).`;
    });
    return;
  }

  const priorities = ["critical", "normal", "sheddable"];
  const colors = { critical: "#dc2626", normal: "#2563eb", sheddable: "#16a34a" };

  // Column store: times (seconds) and one array per drawn series, oldest first.
  const data = { t: [] };
  const charts = [];

  // 24-hour clock labels, with seconds only when ticks are less than a minute apart.
  function clock(seconds, withSeconds) {
    const d = new Date(seconds * 1000);
    const two = (n) => String(n).padStart(2, "0");
    return `${two(d.getHours())}:${two(d.getMinutes())}` + (withSeconds ? `:${two(d.getSeconds())}` : "");
  }

  // Milliseconds past a second read better as seconds ("2.5 s", not "2500 ms").
  function axisLabel(v, unit) {
    if (v == null) return "";
    if (unit === " ms" && Math.abs(v) >= 1000) return `${+(v / 1000).toFixed(2)} s`;
    return `${+v.toFixed(2)}${unit}`;
  }

  function latestTime() {
    return data.t.length ? data.t[data.t.length - 1] : Date.now() / 1000;
  }

  function column(name) {
    if (!data[name]) data[name] = [];
    return data[name];
  }

  function chart(elementId, title, unit, series) {
    const element = document.getElementById(elementId);
    const plot = new uPlot({
      title,
      width: Math.max(element.clientWidth - 8, 300),
      height: 220,
      // Always the last ten minutes, so a fresh page fills from the right instead of stretching a few seconds.
      scales: { x: { time: true, range: () => { const now = latestTime(); return [now - windowSeconds, now]; } } },
      axes: [
        { values: (u, ticks) => ticks.map((t) => clock(t, ticks.length > 1 && ticks[1] - ticks[0] < 60)) },
        { size: 70, values: (u, ticks) => ticks.map((v) => axisLabel(v, unit)) },
      ],
      series: [{ label: "time", value: (u, t) => t == null ? "–" : clock(t, true) }]
        .concat(series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false, dash: s.dash, points: { show: false } }))),
    }, [[]].concat(series.map(() => [])), element);
    charts.push({ plot, element, keys: series.map((s) => s.key) });
  }

  function perPriority(prefix) {
    return priorities.map((p) => ({ key: `${prefix}.${p}`, label: p, color: colors[p] }));
  }

  chart("chart-pool", "Connections", "", [
    { key: "pool.used", label: "used", color: "#2563eb" },
    { key: "pool.idle", label: "idle", color: "#94a3b8" },
    { key: "pool.limit", label: "limit (adaptive)", color: "#f59e0b" },
    { key: "pool.ceiling", label: "ceiling", color: "#0f172a", dash: [6, 4] },
  ]);
  chart("chart-waiters", "Waiting for a connection, by priority", "", perPriority("waiters"));
  chart("chart-wait", "Connection wait p99", " ms", [{ key: "waitP99Ms", label: "p99", color: "#7c3aed" }]);
  chart("chart-requests", "Requests per second, by priority", "/s", perPriority("requests"));
  chart("chart-shed", "Shed (refused) per second, by priority", "/s", perPriority("shed"));
  chart("chart-errors", "5xx answers per second, by priority (shed 503s too)", "/s", perPriority("errors"));
  chart("chart-latency", "Request latency", " ms", [
    { key: "latencyP50Ms", label: "p50", color: "#0ea5e9" },
    { key: "latencyP99Ms", label: "p99", color: "#be123c" },
  ]);
  // A line held back by its rate (slow start, a checkout refused for time, a short CPU) shows as outflow below the
  // line's length; a line with nobody left to admit, as let-out falling to zero with the outflow still up.
  chart("chart-rooms", "Waiting rooms: buyers in line, outflow and let out per second", "", [
    { key: "rooms.waiting", label: "in line", color: "#0f172a" },
    { key: "rooms.outflow", label: "outflow /s", color: "#f59e0b" },
    { key: "rooms.letOut", label: "let out /s", color: "#16a34a" },
  ]);

  function append(sample) {
    data.t.push(Date.parse(sample.at) / 1000);
    column("pool.used").push(sample.pool.used);
    column("pool.idle").push(sample.pool.idle);
    column("pool.limit").push(sample.pool.limit);
    column("pool.ceiling").push(sample.pool.ceiling);
    column("waitP99Ms").push(sample.waitP99Ms);
    column("latencyP50Ms").push(sample.latencyP50Ms);
    column("latencyP99Ms").push(sample.latencyP99Ms);
    column("rooms.waiting").push(sample.rooms.waiting);
    column("rooms.outflow").push(sample.rooms.outflow);
    column("rooms.letOut").push(sample.rooms.letOutPerSecond);
    for (const p of priorities) {
      column(`waiters.${p}`).push(sample.waiters[p]);
      column(`requests.${p}`).push(sample.requests[p]);
      column(`shed.${p}`).push(sample.shed[p]);
      column(`errors.${p}`).push(sample.errors[p]);
    }
  }

  function trim() {
    const oldest = data.t.length ? data.t[data.t.length - 1] - windowSeconds : 0;
    let drop = 0;
    while (drop < data.t.length && data.t[drop] < oldest) drop++;
    if (drop > 0) for (const key of Object.keys(data)) data[key].splice(0, drop);
  }

  function redraw() {
    for (const c of charts) c.plot.setData([data.t].concat(c.keys.map((k) => column(k))));
  }

  const number = (v, digits = 0) => (v == null ? "–" : (+v).toFixed(digits));

  function showNow(sample) {
    document.getElementById("updated").textContent = `updated ${new Date(sample.at).toLocaleTimeString()}`;
    document.getElementById("tile-ready").textContent = sample.ready ? "yes" : "NO";
    // The gateway's circuit breaker: OPEN means checkouts are answered 503 without calling the gateway.
    document.getElementById("tile-payments").textContent = sample.paymentsOpen ? "OPEN" : "flowing";
    document.getElementById("tile-pool").textContent =
      `${number(sample.pool.used)} / ${number(sample.pool.limit)}` + (sample.pool.ceiling == null ? "" : ` (max ${number(sample.pool.ceiling)})`);
    document.getElementById("tile-waiters").textContent = number(sample.waiters.total);
    document.getElementById("tile-requests").textContent = number(sample.requests.total, 1);
    document.getElementById("tile-shed").textContent = number(sample.shed.total, 1);
    document.getElementById("tile-p99").textContent = sample.latencyP99Ms == null ? "–" : `${number(sample.latencyP99Ms, 1)} ms`;
  }

  // Alert states come from Prometheus (Operations:PrometheusUrl); the shop evaluates no rules of its own.
  function showAlerts(board) {
    const source = document.getElementById("alerts-source");
    const note = document.getElementById("alerts-note");
    const body = document.querySelector("#alerts tbody");
    if (board.source === "none") {
      source.textContent = "";
      note.hidden = false;
      note.textContent = "Alerting lives in Prometheus (rules: deploy/prometheus/alerts.yml). " +
        "Set Operations:PrometheusUrl to show its alert states here.";
      body.replaceChildren();
      return;
    }
    source.textContent = `(from ${board.prometheusUrl}` +
      (board.checkedAt ? `, read ${new Date(board.checkedAt).toLocaleTimeString()})` : ")");
    note.hidden = board.error == null;
    note.textContent = board.error == null ? "" : `Prometheus: ${board.error}`;
    body.replaceChildren(...board.rules.map((rule) => {
      const row = document.createElement("tr");
      row.dataset.alert = rule.name;
      const active = rule.alerts.map((a) => `${a.instance ?? "–"} ${a.state} since ${new Date(a.activeAt).toLocaleTimeString()}`).join("; ");
      const cells = [rule.name, rule.severity ?? "–", rule.state, active || "–", rule.summary ?? "", rule.runbookUrl ?? ""];
      cells.forEach((text, i) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        if (i === 2) cell.className = `state-${text}`;
        row.appendChild(cell);
      });
      return row;
    }));
  }

  let lastAt = null;

  async function poll() {
    try {
      const url = lastAt == null ? "/ops/api/snapshot" : `/ops/api/snapshot?since=${lastAt}`;
      const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.status === 401 || response.status === 403) {
        window.location.reload(); // the session ended: the page turns back into the sign-in form
        return;
      }
      if (response.ok) {
        const snapshot = await response.json();
        for (const sample of snapshot.samples) append(sample);
        if (snapshot.samples.length) {
          const latest = snapshot.samples[snapshot.samples.length - 1];
          lastAt = Date.parse(latest.at);
          showNow(latest);
        }
        trim();
        redraw();
        showAlerts(snapshot.alerts);
      }
    } finally {
      setTimeout(poll, pollMs);
    }
  }

  window.addEventListener("resize", () => {
    for (const c of charts) c.plot.setSize({ width: Math.max(c.element.clientWidth - 8, 300), height: 220 });
  });

  document.getElementById("sign-out").addEventListener("click", async () => {
    await fetch("/ops/session", { method: "DELETE" });
    window.location.reload();
  });

  poll();
})();
