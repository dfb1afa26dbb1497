/* Storehouse dashboard: every figure is the /api/v1 JSON's own string, shown as is (thousands grouped),
   never parsed into a float for display; charts alone use numbers. The API key lives in this tab's
   sessionStorage and travels only in the Authorization header. See docs/serving.md#the-dashboard. */
"use strict";

const KEY_STORE = "storehouse.apiKey";
const API = "/api/v1";
/** Data older than this many days before today (the browser's date) is called stale. */
const STALE_AFTER_DAYS = 2;
const charts = {};
/** KPIs whose rise is bad news (drawn red when they go up). */
const WORSE_WHEN_UP = new Set(["returns_rate"]);

const $ = (id) => document.getElementById(id);

function show(id, visible) { $(id).hidden = !visible; }

function text(tag, content, className) {
  const node = document.createElement(tag);
  if (content !== undefined && content !== null) node.textContent = content;
  if (className) node.className = className;
  return node;
}

/** "1234567.50" -> "1,234,567.50": the API's decimal string with thousands grouped (no float). */
function grouped(value) {
  const [whole, fraction] = String(value).split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = whole.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return sign + digits + (fraction !== undefined ? "." + fraction : "");
}

function figure(value, unit, currency) {
  if (value === null || value === undefined) return "–";
  if (unit === "money") return grouped(value) + " " + currency;
  if (unit === "percent") return value + " %";
  return grouped(value);
}

function isoDay(day) { return day.toISOString().slice(0, 10); }

function addDays(iso, days) {
  const day = new Date(iso + "T00:00:00Z");
  day.setUTCDate(day.getUTCDate() + days);
  return isoDay(day);
}

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(path, params) {
  const url = new URL(API + path, window.location.origin);
  for (const [name, value] of Object.entries(params || {})) url.searchParams.set(name, value);
  const response = await fetch(url, {
    headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY_STORE), Accept: "application/json" },
    cache: "no-store",
  });
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail; } catch (ignored) { /* not JSON */ }
    throw new ApiError(response.status, typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return response.json();
}

/* ---------------------------------------------------------------------------------------------------- */
function login(message) {
  show("controls", false);
  show("board", false);
  show("not-found", false);
  show("login", true);
  $("login-error").textContent = message || "";
  show("login-error", Boolean(message));
  $("key").focus();
}

function tenantFromPath() {
  const match = window.location.pathname.match(/^\/dashboard\/([^/]+)$/);
  return match ? decodeURIComponent(match[1]) : null;
}

function fillSelect(select, options, chosen) {
  select.replaceChildren(...options.map(([value, label]) => {
    const option = text("option", label);
    option.value = value;
    option.selected = value === chosen;
    return option;
  }));
}

async function start() {
  if (!sessionStorage.getItem(KEY_STORE)) return login();
  let tenants;
  try {
    tenants = (await api("/tenants")).data;
  } catch (error) {
    if (error.status === 401) {
      sessionStorage.removeItem(KEY_STORE);
      return login("The key was refused (unknown or revoked).");
    }
    return failed(error);
  }
  show("login", false);
  show("controls", true);
  const wanted = tenantFromPath();
  if (wanted === null) {
    if (tenants.length === 0) return failed(new Error("This key may read no tenant."));
    window.location.replace("/dashboard/" + encodeURIComponent(tenants[0].id));
    return;
  }
  fillSelect($("tenant"), tenants.map((t) => [t.id, t.name + " (" + t.id + ")"]), wanted);
  const tenant = tenants.find((t) => t.id === wanted);
  if (!tenant) {  // never asked of the API: the key does not list it
    show("not-found", true);
    return;
  }
  const platforms = ["all", ...tenant.platforms.split(",").filter(Boolean)];
  fillSelect($("platform"), platforms.map((p) => [p, p]), "all");
  const status = await api("/tenants/" + encodeURIComponent(tenant.id) + "/status").catch(failed);
  if (!status) return;
  $("end").value = status.newest_sales_day || isoDay(new Date());
  window.dashboard = { tenant, platforms, status };
  for (const id of ["platform", "days", "end"]) $(id).addEventListener("change", () => draw().catch(failed));
  await draw().catch(failed);
}

function failed(error) {
  $("load-error").textContent = "Could not load the figures: " + error.message;
  show("load-error", true);
}

/* ---------------------------------------------------------------------------------------------------- */
function bannerReasons(status) {
  const reasons = [];
  const newest = status.newest_sales_day;
  const staleBefore = addDays(isoDay(new Date()), -STALE_AFTER_DAYS);
  if (!newest) reasons.push(["stale", "No figures yet: the pipeline has not produced this tenant's sales."]);
  else if (newest < staleBefore) reasons.push(["stale", "Stale: the newest day with figures is " + newest + "."]);
  if (status.provisional_days.count > 0) {
    const days = status.provisional_days.days.map((d) => d.date).slice(0, 5).join(", ");
    reasons.push(["provisional", "Provisional: " + status.provisional_days.count +
      " day(s) may still change (" + days + (status.provisional_days.count > 5 ? ", …" : "") + ")."]);
  }
  if (status.failing_checks === null) reasons.push(["checks", "The data checks could not be read."]);
  else if (status.failing_checks.length > 0) {
    const names = [...new Set(status.failing_checks.map((c) => c.check + " (" + c.asset + ")"))].join(", ");
    reasons.push(["checks", "Failing checks: " + names + "."]);
  }
  if (status.dead_letters.total > 0) {
    reasons.push(["dead-letters", status.dead_letters.total + " record(s) could not be loaded (dead letters)."]);
  }
  return reasons;
}

function drawBanner(status) {
  const reasons = bannerReasons(status);
  $("banner-reasons").replaceChildren(...reasons.map(([kind, message]) => {
    const item = text("li", message);
    item.dataset.reason = kind;
    return item;
  }));
  show("banner", reasons.length > 0);
}

function changeText(kpi) {
  if (kpi.change === null) return ["no previous figure", "flat"];
  const raw = String(kpi.change);
  const direction = raw.startsWith("-") ? "down" : (/^0(\.0+)?$/.test(raw) ? "flat" : "up");
  const arrow = { up: "▲", down: "▼", flat: "■" }[direction];
  const sign = direction === "up" ? "+" : "";
  if (kpi.unit === "percent") return [arrow + " " + sign + raw + " pp", direction];
  if (kpi.change_pct !== null) return [arrow + " " + sign + kpi.change_pct + " %", direction];
  return [arrow + " " + sign + figure(kpi.change, kpi.unit, kpi.currency), direction];
}

function drawTiles(tiles) {
  const nodes = tiles.map((kpi) => {
    const tile = text("div", null, "tile");
    tile.dataset.kpi = kpi.name;
    tile.dataset.currency = kpi.currency;
    tile.dataset.value = kpi.value === null ? "" : String(kpi.value);
    const label = text("div", kpi.label, "label");
    if (kpi.unit === "money") label.append(" ", text("span", kpi.currency, "currency"));
    tile.append(label);
    tile.append(text("div", figure(kpi.value, kpi.unit === "money" ? "count" : kpi.unit), "value"));
    const [message, direction] = changeText(kpi);
    const better = (direction === "up") !== WORSE_WHEN_UP.has(kpi.name);
    const tone = direction === "flat" ? "" : (better ? " good" : " bad");
    const change = text("div", message, "change " + direction + tone);
    change.title = "previous " + kpi.previous_start + " – " + kpi.previous_end + ": " +
      figure(kpi.previous, kpi.unit, kpi.currency);
    tile.append(change);
    return tile;
  });
  if (nodes.length === 0) nodes.push(text("p", "No sales in this period or the one before.", "muted"));
  $("tiles").replaceChildren(...nodes);
}

function lineChart(id, labels, datasets, type) {
  if (charts[id]) charts[id].destroy();
  if (typeof Chart === "undefined") return;
  charts[id] = new Chart($(id), {
    type: type === "bar-horizontal" ? "bar" : (type || "line"),
    data: { labels, datasets },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: datasets.length > 1 } },
      scales: { y: { beginAtZero: true } },
      indexAxis: type === "bar-horizontal" ? "y" : "x",
    },
  });
}

const COLOURS = ["#2563eb", "#d97706", "#059669", "#7c3aed", "#db2777"];

function drawDaily(rows, start, end) {
  const currencies = [...new Set(rows.map((r) => r.currency))].sort();
  const labels = [];
  for (let day = start; day <= end; day = addDays(day, 1)) labels.push(day);
  const datasets = currencies.map((currency, n) => {
    const byDay = Object.fromEntries(rows.filter((r) => r.currency === currency).map((r) => [r.date, r.net_sales]));
    return { label: currency, data: labels.map((d) => Number(byDay[d] || 0)), borderColor: COLOURS[n % 5],
             backgroundColor: COLOURS[n % 5], tension: 0.2, pointRadius: 2 };
  });
  lineChart("daily-chart", labels, datasets);
}

function drawWeekly(rows, end) {
  const weekly = rows.filter((r) => Math.round((Date.parse(end) - Date.parse(r.date)) / 86400000) % 7 === 0);
  const currencies = [...new Set(weekly.map((r) => r.currency))].sort();
  const labels = [...new Set(weekly.map((r) => r.date))].sort();
  const datasets = currencies.map((currency, n) => {
    const byDay = Object.fromEntries(weekly.filter((r) => r.currency === currency).map((r) => [r.date, r.net_sales_7d]));
    return { label: currency, data: labels.map((d) => Number(byDay[d] || 0)), backgroundColor: COLOURS[n % 5] };
  });
  lineChart("weekly-chart", labels, datasets, "bar");
}

function drawPlatforms(byPlatform) {
  const rows = [];
  const bars = [];
  for (const [platform, tiles] of byPlatform) {
    const currencies = [...new Set(tiles.map((t) => t.currency))];
    for (const currency of currencies) {
      const kpi = Object.fromEntries(tiles.filter((t) => t.currency === currency).map((t) => [t.name, t]));
      const row = document.createElement("tr");
      row.dataset.platform = platform;
      row.dataset.currency = currency;
      row.dataset.netSales = kpi.net_sales.value;
      row.append(text("td", platform),
        text("td", figure(kpi.net_sales.value, "money", currency)),
        text("td", figure(kpi.orders.value, "count")),
        text("td", figure(kpi.average_order_value.value, "money", currency)),
        text("td", figure(kpi.returns_rate.value, "percent")));
      rows.push(row);
      if (platform !== "all") bars.push([platform + " " + currency, Number(kpi.net_sales.value)]);
    }
  }
  $("platforms").tBodies[0].replaceChildren(...rows);
  lineChart("platform-chart", bars.map((b) => b[0]),
    [{ label: "Net sales", data: bars.map((b) => b[1]), backgroundColor: COLOURS.slice(0, bars.length) }],
    "bar-horizontal");
}

function drawProducts(rows) {
  $("products").tBodies[0].replaceChildren(...rows.map((p) => {
    const row = document.createElement("tr");
    row.dataset.netSales = p.net_sales;
    row.title = p.platform + (p.sku ? " · " + p.sku : "");
    const name = [p.product_title || p.product_id || "(no product)", p.sku ? "· " + p.sku : ""].join(" ").trim();
    row.append(text("td", String(p.rank)), text("td", name), text("td", p.platform),
      text("td", grouped(p.units)), text("td", figure(p.net_sales, "money", p.currency)));
    return row;
  }));
  if (rows.length === 0) {
    const row = document.createElement("tr");
    const cell = text("td", "No products sold in this period.", "muted");
    cell.colSpan = 5;
    row.append(cell);
    $("products").tBodies[0].replaceChildren(row);
  }
}

function drawStock(levels) {
  // levels: the newest snapshot's variants, the fewest units first, and the totals over all of them
  const rows = levels.data;
  $("stock-day").textContent = levels.date ? "(" + levels.date + ")" : "";
  $("stock").tBodies[0].replaceChildren(...rows.map((v) => {
    const row = document.createElement("tr");
    row.dataset.available = String(v.available);
    const name = [v.product_title || v.product_id, v.variant_title, v.sku ? "· " + v.sku : ""]
      .filter(Boolean).join(" ");
    row.append(text("td", name), text("td", v.platform), text("td", grouped(v.available),
      v.available <= 0 ? "out" : ""));
    return row;
  }));
  if (rows.length === 0) {
    const row = document.createElement("tr");
    const cell = text("td", "No stock snapshot yet.", "muted");
    cell.colSpan = 3;
    row.append(cell);
    $("stock").tBodies[0].replaceChildren(row);
  }
  $("stock-total").textContent = levels.totals.levels
    ? grouped(levels.totals.available) + " units available in all (" + grouped(levels.totals.levels) +
      " variant × location levels); the variants with the fewest units shown."
    : "";
}

function drawCohorts(rows) {
  const months = Math.max(0, ...rows.map((r) => r.months_since_first));
  const head = document.createElement("tr");
  head.append(text("th", "Cohort"), text("th", "Customers"));
  for (let m = 0; m <= months; m++) head.append(text("th", "M" + m));
  $("cohorts").tHead.replaceChildren(head);
  const cohorts = [...new Set(rows.map((r) => r.cohort))].sort().reverse();
  $("cohorts").tBodies[0].replaceChildren(...cohorts.map((cohort) => {
    const own = rows.filter((r) => r.cohort === cohort);
    const row = document.createElement("tr");
    row.dataset.cohort = cohort;
    row.append(text("td", cohort), text("td", grouped(own[0].cohort_customers)));
    for (let m = 0; m <= months; m++) {
      const cell = own.find((r) => r.months_since_first === m);
      row.append(text("td", cell ? cell.retention_pct + " %" : ""));
    }
    return row;
  }));
}

async function draw() {
  const { tenant, platforms, status } = window.dashboard;
  const path = "/tenants/" + encodeURIComponent(tenant.id);
  const platform = $("platform").value;
  const days = Number($("days").value);
  const end = $("end").value || status.newest_sales_day || isoDay(new Date());
  const start = addDays(end, 1 - days);
  const range = { start, end };
  drawBanner(status);
  $("title").textContent = tenant.name;
  $("period").textContent = start + " – " + end + " (" + days + " days) against the " + days +
    " days before · platform " + platform;
  const [tiles, daily, weekly, split, top, cohorts, stock] = await Promise.all([
    api(path + "/kpis", { ...range, platform }),
    api(path + "/sales/daily", { ...range, platform, limit: 1000 }),
    api(path + "/sales/weekly", { start: addDays(end, -83), end, platform, limit: 1000 }),
    Promise.all(platforms.map((p) => api(path + "/kpis", { ...range, platform: p }).then((r) => [p, r.data]))),
    api(path + "/products/top", { ...range, platform, limit: 10 }),
    api(path + "/customers/cohorts", { start: addDays(end, -364).slice(0, 8) + "01", end, limit: 1000 }),
    api(path + "/inventory/levels", { grain: "variant", order: "fewest", platform, limit: 10 }),
  ]);
  drawTiles(tiles.data);
  drawDaily(daily.data, start, end);
  drawWeekly(weekly.data, end);
  drawPlatforms(split);
  drawProducts(top.data);
  drawCohorts(cohorts.data);
  drawStock(stock);
  show("board", true);
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("key").value.trim();
    $("key").value = "";
    if (!key) return;
    sessionStorage.setItem(KEY_STORE, key);
    start().catch(failed);
  });
  $("logout").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORE);
    window.location.assign("/dashboard");
  });
  $("tenant").addEventListener("change", () => {
    window.location.assign("/dashboard/" + encodeURIComponent($("tenant").value));
  });
  start().catch(failed);
});
