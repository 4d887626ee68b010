// Drop's compliance console: plain DOM, no framework, no inline script (the page's CSP forbids
// it). The session is the API's own cookies (same origin); every write carries x-requested-with.
"use strict";

const $ = (id) => document.getElementById(id);
let currentCase = null;
let currentStr = null;

function say(text, error) {
  const s = $("status");
  s.textContent = text;
  s.className = error ? "error" : "";
}

async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { "x-requested-with": "console" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let r = await fetch(path, init);
  if (r.status === 401) {
    const refreshed = await fetch("/api/auth/refresh", { method: "POST", credentials: "same-origin", headers: { "x-requested-with": "console" } });
    if (refreshed.ok) r = await fetch(path, init);
  }
  if (r.status === 401 || r.status === 403) {
    show("signin");
    throw new Error(r.status === 403 ? "This account is not compliance staff." : "Please sign in.");
  }
  const type = r.headers.get("content-type") || "";
  const data = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new Error((data && data.detail) || r.statusText);
  return { status: r.status, data };
}

function show(section) {
  for (const id of ["signin", "queue", "alerts", "case", "str"]) $(id).hidden = id !== section;
  const signedIn = section !== "signin";
  for (const id of ["nav-queue", "nav-alerts", "sign-out"]) $(id).hidden = !signedIn;
  const heading = document.querySelector(`#${section} h2`);
  if (heading) { heading.tabIndex = -1; heading.focus(); }
}

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function facts(dl, pairs) {
  dl.replaceChildren();
  for (const [k, v] of pairs) { dl.append(el("dt", k), el("dd", v === null || v === undefined ? "-" : v)); }
}

function list(ul, items, render) {
  ul.replaceChildren(...(items.length ? items.map((i) => { const li = el("li"); render(li, i); return li; }) : [el("li", "None")]));
}

async function queue() {
  const status = $("filter-status").value;
  const sort = $("filter-sort").value;
  const q = new URLSearchParams({ limit: "100" });
  if (status) q.set("status", status); else q.set("open", "true");
  if (sort) q.set("sort", sort);
  const { data } = await api("GET", `/api/admin/cases?${q}`);
  const rows = data.map((c) => {
    const tr = el("tr");
    const open = el("button", c.id, { type: "button", "data-case": c.id });
    open.addEventListener("click", () => openCase(c.id).catch((e) => say(e.message, true)));
    const first = el("td"); first.append(open);
    tr.append(first, el("td", c.status), el("td", c.score), el("td", c.alertCount), el("td", c.ageDays), el("td", c.assignee || "-"));
    return tr;
  });
  $("queue-rows").replaceChildren(...rows);
  show("queue");
  say(`${data.length} case(s)`);
}

async function alerts() {
  const { data } = await api("GET", "/api/admin/alerts?limit=100");
  $("alert-rows").replaceChildren(...data.map((a) => {
    const tr = el("tr");
    tr.append(el("td", a.id), el("td", a.kind), el("td", a.outcome), el("td", a.score), el("td", a.trigger), el("td", a.status));
    return tr;
  }));
  show("alerts");
  say(`${data.length} alert(s)`);
}

async function openCase(id) {
  const { data } = await api("GET", `/api/admin/cases/${encodeURIComponent(id)}`);
  currentCase = data.case;
  $("case-title").textContent = `Case ${data.case.id}`;
  facts($("case-facts"), [["Status", data.case.status], ["Subject", `${data.case.subjectType} ${data.case.subjectId}`],
    ["Score", data.case.score], ["Alerts", data.case.alertCount], ["Assignee", data.case.assignee],
    ["Opened", data.case.openedAt], ["Waiting for a second admin", data.pendingDecision]]);
  list($("case-holds"), data.holds, (li, h) => { li.textContent = `${h.source} ${h.id} since ${h.since}`; });
  list($("case-alerts"), data.alerts, (li, a) => {
    li.append(el("strong", `${a.kind} · ${a.outcome} · score ${a.score}`), el("span", ` (${a.trigger}, ${a.status})`));
    const why = a.entries || a.rules;
    if (why) li.append(el("pre", JSON.stringify(why, null, 2)));
  });
  list($("case-payments"), data.payments, (li, p) => { li.textContent = p; });
  list($("case-attachments"), data.attachments, (li, a) => {
    const b = el("button", `${a.fileName} (${a.contentType}, ${a.size} bytes)`, { type: "button" });
    b.addEventListener("click", () => saveAttachment(a).catch((e) => say(e.message, true)));
    li.append(b);
  });
  list($("case-reports"), data.reports, (li, r) => {
    const b = el("button", `${r.id} (${r.status})`, { type: "button" });
    b.addEventListener("click", () => openStr(r.id).catch((e) => say(e.message, true)));
    li.append(b);
  });
  const tl = $("case-timeline");
  tl.replaceChildren(...data.timeline.map((e) => {
    const li = el("li");
    li.append(el("time", e.at), el("span", ` ${e.kind} by ${e.actor}: `));
    li.append(el("span", e.text !== undefined ? e.text : JSON.stringify(e.details)));
    return li;
  }));
  show("case");
  say(`Case ${data.case.id}`);
}

async function saveAttachment(a) {
  const r = await fetch(`/api/admin/cases/${currentCase.id}/attachments/${a.id}`, { credentials: "same-origin" });
  if (!r.ok) throw new Error(`download failed (${r.status})`);
  const link = el("a", null, { href: URL.createObjectURL(await r.blob()), download: a.fileName });
  document.body.append(link);
  link.click();
  link.remove();
  say(`Downloaded ${a.fileName}.`);
}

async function attachFile() {
  const file = $("attach-file").files[0];
  if (!file) throw new Error("Choose a file first.");
  const dataUrl = await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(new Error("The file could not be read."));
    reader.readAsDataURL(file);
  });
  const contentBase64 = String(dataUrl).split(",")[1] || "";
  await api("POST", `/api/admin/cases/${currentCase.id}/attachments`, { fileName: file.name, contentType: file.type || "application/octet-stream", contentBase64 });
  $("attach-file").value = "";
  await openCase(currentCase.id);
  say(`Attached ${file.name}.`);
}

async function caseStep(event) {
  const r = await api("POST", `/api/admin/cases/${currentCase.id}/transition`, { event });
  say(r.status === 202 ? "Proposed: a second admin must confirm." : `Case is now ${r.data.status}.`);
  await openCase(currentCase.id);
}

async function openStr(id) {
  const { data } = await api("GET", `/api/admin/strs/${encodeURIComponent(id)}`);
  currentStr = data.report;
  const c = data.content;
  $("str-title").textContent = `Suspicious transaction report ${data.report.id}`;
  facts($("str-facts"), [["Status", data.report.status], ["Case", data.report.caseId], ["Drafted by", data.report.createdBy],
    ["Approved by", data.report.approvedBy], ["Filed", data.report.filedAt], ["Channel", data.report.channel], ["Receipt", data.report.receiptRef],
    ["Subject", `${c.subject.givenName} ${c.subject.familyName} (${c.subject.birthdate})`]]);
  $("str-reason").value = c.reason;
  $("str-action").value = c.action;
  $("str-indicators").value = c.indicators.join(", ");
  list($("str-transactions"), c.transactions, (li, t) => {
    li.textContent = `${t.paymentId}: NOK ${(t.amountLocalMinor / 100).toFixed(2)} to ${t.counterparty.name} (${t.counterparty.country}), ${t.status}`;
  });
  show("str");
  say(`Report ${data.report.id} (${data.report.status})`);
}

async function strStep(body) {
  const r = await api("POST", `/api/admin/strs/${currentStr.id}/transition`, body);
  say(`Report is now ${r.data.status}.`);
  await openStr(currentStr.id);
}

async function download(format) {
  const r = await fetch(`/api/admin/strs/${currentStr.id}/export?format=${format}`, { credentials: "same-origin" });
  if (!r.ok) throw new Error(`export failed (${r.status})`);
  const blob = await r.blob();
  const a = el("a", null, { href: URL.createObjectURL(blob), download: `${currentStr.id}.${format === "goaml" ? "xml" : format === "mt0002" ? "json" : "html"}` });
  document.body.append(a);
  a.click();
  a.remove();
  say(`Downloaded the ${format} export.`);
}

function on(id, event, f) {
  $(id).addEventListener(event, (e) => { if (event === "submit") e.preventDefault(); f(e).catch((err) => say(err.message, true)); });
}

document.addEventListener("DOMContentLoaded", () => {
  on("signin-button", "click", async () => {
    const r = await fetch("/api/auth/bankid/init", { method: "POST", credentials: "same-origin",
      headers: { "x-requested-with": "console", "content-type": "application/json" }, body: JSON.stringify({ returnTo: "console" }) });
    if (!r.ok) throw new Error("BankID is not available now.");
    window.location.assign((await r.json()).authorizeUrl);
  });
  on("nav-queue", "click", queue);
  on("nav-alerts", "click", alerts);
  on("sign-out", "click", async () => { await api("POST", "/api/auth/logout"); show("signin"); say("Signed out."); });
  on("queue-filters", "submit", queue);
  on("case-assign", "click", async () => {
    const me = await api("GET", "/api/user/profile");
    await api("POST", `/api/admin/cases/${currentCase.id}/assign`, { assignee: me.data.userId });
    await openCase(currentCase.id);
    say("Assigned to you.");
  });
  on("case-escalate", "click", () => caseStep("escalate"));
  on("case-deescalate", "click", () => caseStep("deescalate"));
  on("case-close", "click", () => caseStep("close_no_action"));
  on("case-report", "click", () => caseStep("report"));
  on("case-str", "click", async () => {
    const r = await api("POST", `/api/admin/cases/${currentCase.id}/str`);
    await openStr(r.data.report.id);
    say("Report drafted.");
  });
  on("note-form", "submit", async () => {
    await api("POST", `/api/admin/cases/${currentCase.id}/notes`, { text: $("note-text").value });
    $("note-text").value = "";
    await openCase(currentCase.id);
    say("Note added.");
  });
  on("attach-form", "submit", attachFile);
  on("link-form", "submit", async () => {
    await api("POST", `/api/admin/cases/${currentCase.id}/links`, { paymentId: $("link-payment").value.trim() });
    await openCase(currentCase.id);
    say("Payment linked.");
  });
  on("str-form", "submit", async () => {
    const indicators = $("str-indicators").value.split(",").map((s) => s.trim()).filter(Boolean);
    await api("PATCH", `/api/admin/strs/${currentStr.id}`, { reason: $("str-reason").value, action: $("str-action").value, indicators });
    await openStr(currentStr.id);
    say("Draft saved.");
  });
  on("str-submit", "click", () => strStep({ event: "submit" }));
  on("str-approve", "click", () => strStep({ event: "approve" }));
  on("str-return", "click", () => strStep({ event: "return" }));
  on("file-form", "submit", () => strStep({ event: "file", channel: $("file-channel").value, receiptRef: $("file-receipt").value.trim() }));
  on("export-goaml", "click", () => download("goaml"));
  on("export-mt0002", "click", () => download("mt0002"));
  on("export-html", "click", () => download("html"));
  queue().catch(() => { show("signin"); say("Please sign in."); });
});
