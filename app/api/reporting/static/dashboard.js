// The managers' dashboard: plain ES module, no build step, no framework, no outside asset.
// The read key lives in this tab's sessionStorage only. The review's charts and tables are
// the service's own printable HTML (GET /v1/reports/progress-review, Accept: text/html),
// placed here section by section; every other value is set with textContent, never HTML.

const KEY = "huikuan.key";
const LANG = "huikuan.lang";
const CATALOGUES = JSON.parse(document.getElementById("messages").textContent);
const $ = (id) => document.getElementById(id);

let lang = sessionStorage.getItem(LANG) || document.documentElement.lang || "zh-CN";
let api = { orgUnits: false, statement: null };

function t(key) {
  return (CATALOGUES[lang] && CATALOGUES[lang][key]) || CATALOGUES.en[key] || key;
}

function translate() {
  document.documentElement.lang = lang;
  document.title = t("dash.title");
  for (const node of document.querySelectorAll("[data-msg]")) node.textContent = t(node.dataset.msg);
  $("language").value = lang;
}

function key() {
  return sessionStorage.getItem(KEY);
}

async function call(path, accept = "application/json") {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${key()}`, Accept: accept, "Accept-Language": lang },
  });
  if (response.status === 401 || response.status === 403) {
    sessionStorage.removeItem(KEY);
    show();
    throw new Error(t("dash.bad_key"));
  }
  if (!response.ok) throw new Error(`${t("dash.failed")}: ${response.status}`);
  return response;
}

// --- Dates: weeks run Monday to Sunday ------------------------------------------------------

function iso(day) {
  return day.toISOString().slice(0, 10);
}

function monday(offsetWeeks) {
  const today = new Date();
  const day = new Date(Date.UTC(today.getFullYear(), today.getMonth(), today.getDate()));
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7) + 7 * offsetWeeks);
  return day;
}

function setWeek(offsetWeeks) {
  const start = monday(offsetWeeks);
  const end = new Date(start);
  end.setUTCDate(end.getUTCDate() + 6);
  $("from").value = iso(start);
  $("to").value = iso(end);
}

// --- Views ----------------------------------------------------------------------------------

function show() {
  const signedIn = Boolean(key());
  $("sign-in").hidden = signedIn;
  $("sign-out").hidden = !signedIn;
  const customer = signedIn && location.hash.startsWith("#customer/");
  $("review-view").hidden = !signedIn || customer;
  $("customer-view").hidden = !customer;
  if (!signedIn) $("key").focus();
}

function reviewQuery() {
  const query = new URLSearchParams({ from: $("from").value, to: $("to").value, lang });
  if ($("unit").value) query.set("org_unit_id", $("unit").value);
  if ($("currency").value) query.set("currency", $("currency").value);
  return query;
}

async function loadReview() {
  $("status").textContent = t("dash.loading");
  const target = $("review");
  try {
    const html = await (await call(`/v1/reports/progress-review?${reviewQuery()}`, "text/html")).text();
    const page = new DOMParser().parseFromString(html, "text/html");
    const parts = page.body.querySelectorAll(":scope > p.meta, :scope > section");
    target.replaceChildren(...[...parts].map((node) => document.importNode(node, true)));
    linkCustomers(target);
    $("status").textContent = "";
  } catch (error) {
    $("status").textContent = error.message;
  }
}

function linkCustomers(root) {
  // Rows of the largest overdue customers carry their customer's id: the name opens it.
  for (const row of root.querySelectorAll("tr[data-customer-id]")) {
    const cell = row.querySelector("td.customer");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = cell.textContent;
    button.addEventListener("click", () => {
      sessionStorage.setItem("huikuan.owner", row.dataset.owner || "");
      location.hash = `#customer/${row.dataset.customerId}`;
    });
    cell.replaceChildren(button);
  }
}

async function download(accept, extension) {
  $("status").textContent = t("dash.loading");
  try {
    const blob = await (await call(`/v1/reports/progress-review?${reviewQuery()}`, accept)).blob();
    const url = URL.createObjectURL(blob);
    if (extension === "html") {
      window.open(url, "_blank", "noopener");
    } else {
      const link = document.createElement("a");
      link.href = url;
      link.download = `progress-review-${$("from").value}-${$("to").value}.${extension}`;
      link.click();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    $("status").textContent = "";
  } catch (error) {
    $("status").textContent = error.message;
  }
}

// --- The customer page ------------------------------------------------------------------------

function table(titleKey, columns, rows) {
  const panel = document.createElement("section");
  panel.className = "panel";
  const heading = document.createElement("h3");
  heading.textContent = t(titleKey);
  panel.append(heading);
  if (rows === null) {
    const note = document.createElement("p");
    note.className = "na";
    note.textContent = t("review.not_available");
    panel.append(note);
    return panel;
  }
  if (!rows.length) {
    const note = document.createElement("p");
    note.textContent = t("review.empty");
    panel.append(note);
    return panel;
  }
  const grid = document.createElement("table");
  const head = grid.createTHead().insertRow();
  for (const [label] of columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = t(label);
    head.append(th);
  }
  const body = grid.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const [, value] of columns) {
      const td = tr.insertCell();
      const text = value(row);
      td.textContent = text === null || text === undefined ? "" : String(text);
    }
  }
  panel.append(grid);
  return panel;
}

async function page(path) {
  return (await (await call(path)).json()).data;
}

async function loadCustomer(id) {
  $("customer-status").textContent = t("dash.loading");
  $("customer-body").replaceChildren();
  try {
    const owner = sessionStorage.getItem("huikuan.owner");
    const q = `customer_id=${encodeURIComponent(id)}&limit=100`;
    const [customer, invoices, promises, interactions, flags, worklist, statement] =
      await Promise.all([
        call(`/v1/customers/${encodeURIComponent(id)}`).then((r) => r.json()),
        page(`/v1/invoices?${q}`),
        page(`/v1/promises?${q}`),
        page(`/v1/interactions?${q}`),
        page(`/v1/risk-flags?${q}`),
        owner ? page(`/v1/worklist?assignee=${encodeURIComponent(owner)}&limit=500`) : [],
        api.statement ? call(api.statement.replace("{customer_id}", encodeURIComponent(id))).then((r) => r.json()) : null,
      ]);
    $("customer-name").textContent = customer.name;
    const open = invoices.filter((i) => Number(i.outstanding) > 0);
    const statementRows = statement === null ? null : statement.lines || [];
    $("customer-body").replaceChildren(
      table("dash.open_invoices", [
        ["dash.invoice", (i) => i.external_id || i.id.slice(0, 8)],
        ["column.due_date", (i) => i.due_date],
        ["column.currency", (i) => i.currency],
        ["column.amount", (i) => i.amount],
        ["column.outstanding", (i) => i.outstanding],
        ["column.status", (i) => i.status],
      ], open),
      table("section.promises", [
        ["column.promised_date", (p) => p.promised_date],
        ["column.currency", (p) => p.currency],
        ["column.amount", (p) => p.amount],
        ["column.status", (p) => p.status],
      ], promises),
      table("dash.interactions", [
        ["dash.occurred_at", (i) => i.occurred_at.slice(0, 16).replace("T", " ")],
        ["dash.channel", (i) => i.channel],
        ["dash.summary", (i) => i.summary],
      ], interactions),
      table("section.risk_flags", [
        ["column.kind", (f) => f.kind],
        ["dash.severity", (f) => f.severity],
        ["column.status", (f) => f.status],
      ], flags),
      table("dash.worklist", [
        ["column.kind", (w) => w.kind],
        ["dash.score", (w) => w.score],
        ["column.overdue", (w) => w.amount_overdue],
        ["column.next_task", (w) => w.next_action],
      ], worklist.filter((w) => w.customer_id === id)),
      table("dash.statement", [
        ["column.date", (s) => s.date],
        ["column.kind", (s) => s.kind],
        ["column.ref", (s) => s.ref],
        ["column.currency", (s) => s.currency],
        ["column.debit", (s) => s.debit],
        ["column.credit", (s) => s.credit],
        ["column.balance", (s) => s.balance],
      ], statementRows),
    );
    $("customer-status").textContent = "";
    $("customer-name").focus();
  } catch (error) {
    $("customer-status").textContent = error.message;
  }
}

// --- What the service offers: organisation units and statements arrive with other work ----

async function discover() {
  const document_ = await (await fetch("/openapi.json")).json();
  const paths = Object.keys(document_.paths);
  api.orgUnits = paths.includes("/v1/org-units");
  api.statement = paths.find((p) => p.startsWith("/v1/customers/{customer_id}/statement")) || null;
  if (api.orgUnits) {
    const units = await page("/v1/org-units?limit=500");
    for (const unit of units) {
      const option = document.createElement("option");
      option.value = unit.id;
      option.textContent = unit.name;
      $("unit").append(option);
    }
  } else {
    $("unit").disabled = true;
  }
}

// --- Wiring -----------------------------------------------------------------------------------

function route() {
  show();
  if (!key()) return;
  const match = location.hash.match(/^#customer\/([0-9a-fA-F-]+)$/);
  if (match) loadCustomer(match[1]);
}

async function start() {
  translate();
  setWeek(-1);
  $("sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("key").value.trim());
    $("sign-in-error").textContent = "";
    try {
      await call("/v1/customers?limit=1");
      $("key").value = "";
      show();
      await discover();
      await loadReview();
    } catch (error) {
      $("sign-in-error").textContent = error.message;
    }
  });
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    location.hash = "";
    $("review").replaceChildren();
    show();
  });
  $("language").addEventListener("change", () => {
    lang = $("language").value;
    sessionStorage.setItem(LANG, lang);
    translate();
    if (key()) (location.hash.startsWith("#customer/") ? route() : loadReview());
  });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadReview();
  });
  $("last-week").addEventListener("click", () => { setWeek(-1); loadReview(); });
  $("this-week").addEventListener("click", () => { setWeek(0); loadReview(); });
  $("unit").addEventListener("change", loadReview);
  $("currency").addEventListener("change", loadReview);
  $("print").addEventListener("click", () => download("text/html", "html"));
  $("excel").addEventListener("click", () =>
    download("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"));
  $("csv").addEventListener("click", () => download("text/csv", "csv"));
  $("back").addEventListener("click", () => { location.hash = ""; });
  window.addEventListener("hashchange", () => {
    route();
    if (key() && !location.hash) loadReview();
  });
  $("customer-name").tabIndex = -1;
  show();
  if (key()) {
    await discover();
    if (location.hash.startsWith("#customer/")) route();
    else await loadReview();
  }
}

start();
