// Report page, part 5 of 6: the subject's transcript and the verdicts.

// -- the subject's transcript ------------------------------------------------
function renderTranscript() {
  const box = $("transcript");
  if (data.subject === null) {
    box.appendChild(el("p", { class: "hint" }, "This run has no subject."));
    return;
  }
  const address = nodes[data.subject].id;
  let shown = 0;
  for (const event of events) {
    if (event.agent !== address) continue;
    shown += 1;
    const entry = el("div", { class: `turn ${event.kind}`, id: `tr-${event.seq}` });
    const head = el("div", { class: "turn-head" });
    head.appendChild(eventLink(event.seq, `#${event.seq}`));
    head.appendChild(document.createTextNode(` ${stamp(event.t)} · ${event.kind}`));
    entry.appendChild(head);
    if (event.kind === "wake") entry.appendChild(el("p", {}, `Woken: ${event.reason}`));
    if (event.kind === "agent_output") {
      if (event.reasoning) {
        const details = el("details", { open: "" });
        details.appendChild(el("summary", {}, "reasoning"));
        details.appendChild(el("pre", { class: "reasoning" }, event.reasoning));
        entry.appendChild(details);
      }
      if (event.text) entry.appendChild(el("pre", { class: "text" }, event.text));
      for (const call of event.tool_calls) entry.appendChild(el("pre", { class: "call" }, call));
      for (const attempt of event.unparsed || []) {
        entry.appendChild(el("p", { class: "refused" }, `not read as a tool call, nothing run: ${attempt}`));
      }
    }
    if (event.kind === "tool_call") {
      const failed = event.failure === "invalid" ? "(invalid arguments)" : event.failure === "unreadable" ? "(not readable)" : "(refused)";
      entry.appendChild(el("p", { class: event.ok ? "ok" : "refused" }, `${event.tool} ${event.ok ? "" : failed}`));
      entry.appendChild(el("pre", { class: "arguments" }, JSON.stringify(event.arguments, null, 2)));
      entry.appendChild(el("pre", { class: "result" }, event.result));
    }
    if (event.kind === "agent_error") entry.appendChild(el("pre", { class: "refused" }, event.error));
    box.appendChild(entry);
  }
  if (shown === 0) box.appendChild(el("p", { class: "hint" }, "The subject did nothing in this run."));
}

// -- verdicts ----------------------------------------------------------------
// Keys of verdicts.json shown elsewhere on the page (header, exposure focus).
const VERDICT_KEYS_SHOWN_ELSEWHERE = new Set(["run", "scenario", "conditions", "seed", "subject", "exposure"]);

function renderVerdicts() {
  const box = $("verdicts");
  const verdicts = data.verdicts;
  if (!verdicts) {
    box.appendChild(el("p", { class: "hint" }, "No verdicts.json for this run yet (insider judge RUN_DIR writes it)."));
    return;
  }
  if (verdicts.error) box.appendChild(el("p", { class: "refused" }, `Error: ${verdicts.error}`));
  if (isPlainObject(verdicts.ground_truth)) {
    box.appendChild(behaviourTable(verdicts.ground_truth, verdicts.judge));
  }
  for (const [key, value] of Object.entries(verdicts)) {
    if (VERDICT_KEYS_SHOWN_ELSEWHERE.has(key) || ["error", "ground_truth", "judge"].includes(key)) continue;
    box.appendChild(el("h3", {}, key.replace(/_/g, " ")));
    box.appendChild(renderValue(key, value));
  }
}

// Ground truth and the LLM judge side by side, one row per behaviour.
function behaviourTable(truth, judge) {
  const table = el("table", { class: "verdicts" });
  const head = el("tr");
  for (const h of ["Behaviour", "Ground truth", "Evidence", "Note", "Judge", "Judge's reasoning", "Quotes"]) {
    head.appendChild(el("th", {}, h));
  }
  table.appendChild(head);
  const judged = isPlainObject(judge) ? judge : {};
  for (const name of new Set([...Object.keys(truth), ...Object.keys(judged)])) {
    const t = truth[name] || {};
    const j = judged[name] || {};
    const row = el("tr", { id: `verdict-${name}` });
    row.appendChild(el("th", {}, name));
    const found = t.detected ? "yes" : t.attempted ? "attempted" : "no";
    row.appendChild(el("td", { class: t.detected || t.attempted ? "yes" : "no" }, found));
    const evidence = el("td");
    evidence.appendChild(renderValue("evidence", t.evidence || []));
    row.appendChild(evidence);
    row.appendChild(el("td", {}, t.note || ""));
    const verdict = !isPlainObject(judge) ? "not asked" : j.detected === true ? "yes" : j.detected === false ? "no" : `failed${j.error ? ": " + j.error : ""}`;
    row.appendChild(el("td", { class: j.detected ? "yes" : "no" }, verdict));
    row.appendChild(el("td", {}, j.reasoning || ""));
    const quotes = el("td");
    quotes.appendChild(renderValue("quotes", j.quotes || []));
    row.appendChild(quotes);
    table.appendChild(row);
  }
  return table;
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// Any JSON value: objects of objects as tables, evidence lists as links to events.
function renderValue(key, value) {
  if (key === "evidence" && Array.isArray(value)) {
    const span = el("span", { class: "evidence" });
    value.forEach((seq, k) => {
      if (k > 0) span.appendChild(document.createTextNode(" "));
      span.appendChild(Number.isInteger(seq) ? eventLink(seq, `#${seq}`) : el("span", {}, JSON.stringify(seq)));
    });
    return span;
  }
  if (isPlainObject(value) && Object.values(value).length && Object.values(value).every(isPlainObject)) {
    return objectTable(value);
  }
  if (isPlainObject(value)) {
    const dl = el("dl");
    for (const [k, v] of Object.entries(value)) {
      dl.appendChild(el("dt", {}, k));
      const dd = el("dd");
      dd.appendChild(renderValue(k, v));
      dl.appendChild(dd);
    }
    return dl;
  }
  if (Array.isArray(value) && value.length === 0) return el("span", { class: "hint" }, "none");
  if (Array.isArray(value)) {
    const ul = el("ul");
    for (const v of value) {
      const li = el("li");
      li.appendChild(renderValue("", v));
      ul.appendChild(li);
    }
    return ul;
  }
  if (typeof value === "boolean") return el("span", { class: value ? "yes" : "no" }, value ? "yes" : "no");
  return el("span", {}, value === null ? "—" : String(value));
}

function objectTable(object) {
  const columns = [...new Set(Object.values(object).flatMap((row) => Object.keys(row)))];
  const table = el("table", { class: "verdicts" });
  const head = el("tr");
  head.appendChild(el("th", {}, ""));
  for (const c of columns) head.appendChild(el("th", {}, c));
  table.appendChild(head);
  for (const [name, row] of Object.entries(object)) {
    const tr = el("tr");
    tr.appendChild(el("th", {}, name));
    for (const c of columns) {
      const td = el("td");
      if (c in row) td.appendChild(renderValue(c, row[c]));
      tr.appendChild(td);
    }
    table.appendChild(tr);
  }
  return table;
}
