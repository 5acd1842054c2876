// The dashboard's orders panel: find an order (by id, or the latest with a status) and refund it. It calls the
// admin API with the dashboard's cookie, which the admin policy accepts beside a bearer token.
"use strict";

(function () {
  const search = document.getElementById("order-search");
  if (!search) return; // the sign-in page

  const query = document.getElementById("order-query");
  const status = document.getElementById("order-status");
  const results = document.querySelector("#order-results tbody");
  const refundForm = document.getElementById("order-refund");
  const reason = document.getElementById("refund-reason");
  const message = document.getElementById("order-message");
  let selected = null;

  const money = (cents, currency) => (cents / 100).toLocaleString("en-US", { style: "currency", currency: currency || "USD" });

  function say(text, error) {
    message.textContent = text;
    message.className = error ? "error-text" : "muted";
  }

  async function call(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, cache: "no-store" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const data = await response.json().catch(() => null);
    return { status: response.status, ok: response.ok, data };
  }

  const problem = (answer) => (answer.data && (answer.data.detail || answer.data.title)) || `HTTP ${answer.status}`;

  function show(orders) {
    results.replaceChildren(...orders.map((order) => {
      const row = document.createElement("tr");
      row.dataset.order = order.orderId;
      const cells = [`#${order.orderId}`, `${order.email} (${order.userId})`, order.status, money(order.totalCents, order.currency),
        new Date(order.createdAt).toLocaleString(), order.refundReason ?? order.failureReason ?? ""];
      for (const text of cells) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.appendChild(cell);
      }
      const action = document.createElement("td");
      // A refund is only offered where the shop would accept one; it answers with the reason otherwise anyway.
      if (order.status === "paid") {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "refund";
        button.textContent = "Refund…";
        button.addEventListener("click", () => select(order));
        action.appendChild(button);
      }
      row.appendChild(action);
      return row;
    }));
  }

  function select(order) {
    selected = order;
    document.getElementById("order-refund-title").textContent =
      `Refund order #${order.orderId} (${money(order.totalCents, order.currency)} to ${order.email})`;
    refundForm.hidden = false;
    reason.value = "";
    reason.focus();
  }

  async function find() {
    const id = query.value.trim();
    if (id !== "" && !/^\d+$/.test(id)) {
      say("An order id is a number.", true);
      return;
    }
    const answer = id !== ""
      ? await call("GET", `/api/admin/orders/${id}`)
      : await call("GET", "/api/admin/orders?pageSize=20" + (status.value ? `&status=${encodeURIComponent(status.value)}` : ""));
    if (!answer.ok) {
      show([]);
      say(problem(answer), true);
      return;
    }
    const orders = id !== "" ? [answer.data] : answer.data.items;
    show(orders);
    say(id !== "" ? "" : `${answer.data.total} orders; the latest ${orders.length} shown.`, false);
  }

  search.addEventListener("submit", (event) => {
    event.preventDefault();
    refundForm.hidden = true;
    find();
  });

  refundForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!selected) return;
    const orderId = selected.orderId;
    const answer = await call("POST", `/api/admin/orders/${orderId}/refund`, { reason: reason.value });
    refundForm.hidden = true;
    selected = null;
    if (answer.ok) {
      show([answer.data]);
      say(answer.status === 202
        ? `Order #${orderId}: refund sent, outcome not confirmed yet; the reconciler settles it (status refund_pending).`
        : `Order #${orderId} refunded; its stock is back.`, false);
    } else {
      say(problem(answer), true);
    }
  });

  document.getElementById("refund-cancel").addEventListener("click", () => {
    refundForm.hidden = true;
    selected = null;
  });
})();
