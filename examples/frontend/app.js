// Lists leads from the mock, from another origin, as a frontend would: a bearer token and
// X-MyCRM-Expand-Data make every call a preflighted CORS request. Plain JS, no build step.
//
// Query string: api (the mock's base URL), token (a fixture token), run (list | delayed |
// forbidden: runs that scenario on load). The page writes its state into #app's data-*
// attributes (state, scenario, done, history, spinner-*) so that a test can read it.
"use strict";

const LIST_PATH = "/leads?per_page=10&sort=created&sort_order=DESC";
const SCENARIOS = {
  list: { label: "Listing leads", prefer: null },
  delayed: { label: "Listing leads (answer delayed 1.5 s)", prefer: "delay=1500" },
  forbidden: { label: "Listing leads (forced 403)", prefer: "code=403" },
};

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const app = $("app");
let pending = 0; // the latest request's number, so that a stale answer is ignored

function setState(state) {
  app.dataset.state = state;
  app.dataset.history = `${app.dataset.history || ""} ${state}`.trim();
  const loading = state === "loading";
  $("spinner").hidden = !loading;
  if (loading) countSpinnerFrames();
}

// Counts the frames painted while the spinner shows: proof that a user saw it.
function countSpinnerFrames() {
  app.dataset.spinnerFrames = "0";
  const tick = () => {
    if (app.dataset.state !== "loading" || !spinnerVisible()) return;
    app.dataset.spinnerFrames = String(Number(app.dataset.spinnerFrames) + 1);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function spinnerVisible() {
  const spinner = $("spinner");
  return !spinner.hidden && getComputedStyle(spinner).display !== "none";
}

function baseUrl() {
  return $("api").value.trim().replace(/\/+$/, "");
}

async function run(name) {
  if (!Object.hasOwn(SCENARIOS, name)) {
    showError(0, "Unknown scenario", `run=${name}: use ${Object.keys(SCENARIOS).join(", ")}.`);
    return;
  }
  const scenario = SCENARIOS[name];
  const ticket = ++pending;
  Object.assign(app.dataset, { scenario: name, done: "false", history: "" });
  $("error").hidden = true;
  $("result").hidden = true;
  $("status").textContent = `${scenario.label}…`;
  setState("loading");

  const headers = {
    Authorization: `Bearer ${$("token").value.trim()}`,
    "X-MyCRM-Expand-Data": "true",
  };
  if (scenario.prefer) headers.Prefer = scenario.prefer;
  let response;
  let body;
  try {
    response = await fetch(baseUrl() + LIST_PATH, { headers });
    app.dataset.spinnerVisibleAtAnswer = String(spinnerVisible());
    body = await readBody(response);
  } catch (error) {
    // A refused CORS request and an unreachable server look the same from a page: the
    // browser hides the reason (it is in the console).
    if (ticket === pending) {
      showError(0, "Network or CORS error", `${error.message} (see the browser console).`);
    }
    return;
  }
  if (ticket !== pending) return;
  if (response.ok) {
    showLeads(body);
  } else {
    const problem = typeof body === "object" && body !== null ? body : {};
    showError(
      response.status,
      problem.title || response.statusText,
      problem.detail || (typeof body === "string" ? body : ""),
    );
  }
}

async function readBody(response) {
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

function showLeads(page) {
  const rows = page.leads.map((lead) => {
    const row = document.createElement("tr");
    row.dataset.id = String(lead.id);
    const agent = lead.user && lead.user.first_name
      ? `${lead.user.first_name} ${lead.user.last_name}`
      : "";
    const name = [lead.first_name, lead.middle_name, lead.last_name].filter(Boolean).join(" ");
    for (const text of [lead.id, name, lead.status, agent, lead.created_at.slice(0, 10)]) {
      const cell = document.createElement("td");
      cell.textContent = String(text);
      row.append(cell);
    }
    return row;
  });
  $("leads").tBodies[0].replaceChildren(...rows);
  $("lead-count").textContent = String(rows.length);
  $("lead-total").textContent = String(page.count);
  $("result").hidden = false;
  $("status").textContent = "Loaded.";
  finish("loaded");
}

function showError(status, title, detail) {
  $("error-status").textContent = String(status);
  $("error-title").textContent = title;
  $("error-detail").textContent = detail;
  $("error").hidden = false;
  $("status").textContent = "The request failed.";
  finish("error");
}

function finish(state) {
  setState(state);
  app.dataset.done = "true";
}

function init() {
  $("api").value = params.get("api") || "http://127.0.0.1:8080";
  $("token").value = params.get("token") || "admin-token";
  const updateStateLink = () => {
    $("state-link").href = `${baseUrl()}/__mock/state`;
  };
  updateStateLink();
  $("api").addEventListener("change", updateStateLink);
  for (const name of Object.keys(SCENARIOS)) {
    $(`run-${name}`).addEventListener("click", () => run(name));
  }
  if (params.has("run")) run(params.get("run"));
}

init();
