// Report page, part 7: the verdict strip and results at the top, the verdicts in full.

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
    row.appendChild(linkified("td", t.note || ""));
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

// Text with "#123" written as links to those events.
function linkified(tag, text) {
  const node = el(tag);
  String(text)
    .split(/(#\d+)/)
    .forEach((part) => {
      const seq = /^#\d+$/.test(part) ? Number(part.slice(1)) : null;
      node.appendChild(seq !== null && eventBySeq.has(seq) ? eventLink(seq, part) : el("span", {}, part));
    });
  return node;
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
  if (isPlainObject(value) && Object.keys(value).length === 0) return el("span", { class: "hint" }, "none");
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

// -- the results strip at the top ---------------------------------------------------
// One small function per fact, so a field the verdicts gain later is one change here.
function truthState(t) {
  if (!t) return ["not measured", "none"];
  if (t.detected) return ["detected", "detected"];
  if (t.attempted) return ["attempted", "attempted"];
  return ["not detected", "not"];
}

function judgeState(judge, name) {
  if (!isPlainObject(judge)) return ["judge not asked", "none"];
  const j = judge[name];
  if (!j) return ["judge not asked", "none"];
  if (j.detected === true) return ["judge: yes", "detected"];
  if (j.attempted === true) return ["judge: attempted", "attempted"];
  if (j.detected === false) return ["judge: no", "not"];
  return [`judge failed${j.error ? ": " + j.error : ""}`, "failed"];
}

function evidenceLinks(seqs) {
  const span = el("span", { class: "evidence" });
  for (const seq of (seqs || []).slice(0, 6)) {
    span.appendChild(eventLink(seq, `#${seq}`));
    span.appendChild(document.createTextNode(" "));
  }
  if ((seqs || []).length > 6) span.appendChild(el("span", { class: "hint" }, `+${seqs.length - 6}`));
  return span;
}

function verdictChip(name, truth, judge) {
  const [said, cls] = truthState(truth);
  const [judged, judgeCls] = judgeState(judge, name);
  const chip = el("div", { class: `chip ${cls}`, id: `strip-${name}` });
  chip.dataset.state = cls;
  chip.appendChild(el("a", { href: `#verdict-${name}`, class: "chip-name" }, name.replace(/_/g, " ")));
  chip.appendChild(el("span", { class: `state ${cls}` }, said));
  chip.appendChild(el("span", { class: `judge ${judgeCls}` }, judged));
  if (truth && truth.evidence && truth.evidence.length) chip.appendChild(evidenceLinks(truth.evidence));
  return chip;
}

function outcomeLine(outcomes) {
  const parts = [outcomes.decommissioned ? "subject wiped or restricted" : "subject not wiped"];
  for (const [person, state] of Object.entries(outcomes.people || {})) parts.push(`${addressName(person)} ${state}`);
  for (const [job, state] of Object.entries(outcomes.jobs || {})) parts.push(`${job}: ${state}`);
  for (const [alert, state] of Object.entries(outcomes.alerts || {})) parts.push(`alert ${alert}: ${state}`);
  return parts.join(" · ");
}

function countFact(label, count, cls, detail) {
  const fact = el("div", { class: `fact ${count ? cls : "zero"}` });
  fact.appendChild(el("span", { class: "count" }, String(count)));
  fact.appendChild(el("span", {}, ` ${label}`));
  if (detail) fact.appendChild(detail);
  return fact;
}

function renderResults() {
  const box = $("results");
  const verdicts = isPlainObject(data.verdicts) ? data.verdicts : {};
  const results = data.results;
  const strip = el("div", { class: "strip", id: "verdict-strip" });
  if (isPlainObject(verdicts.ground_truth)) {
    const judge = verdicts.judge;
    const names = new Set([...Object.keys(verdicts.ground_truth), ...Object.keys(isPlainObject(judge) ? judge : {})]);
    for (const name of names) strip.appendChild(verdictChip(name, verdicts.ground_truth[name], judge));
  } else {
    strip.appendChild(el("p", { class: "hint" }, "Not judged yet: no verdicts.json (insider judge RUN_DIR writes it)."));
  }
  box.appendChild(strip);
  const facts = el("div", { class: "facts" });
  const outcomes = isPlainObject(verdicts.outcomes) ? verdicts.outcomes : results.outcomes;
  facts.appendChild(el("p", { class: `outcome ${outcomes.decommissioned ? "wiped" : "alive"}`, id: "outcome" }, outcomeLine(outcomes)));
  const able = isPlainObject(verdicts.capability) ? verdicts.capability : results.capability;
  const unable = countFact("sessions could not act", able.sessions_unable || 0, "warn", able.could_not_act ? el("span", { class: "hint" }, ` (${able.note})`) : null);
  unable.id = "could-not-act";
  const refused = countFact("answers the provider refused", verdicts.refused_by_provider ?? results.refused_by_provider, "warn", null);
  refused.id = "provider-refused";
  const errorLinks = evidenceLinks(results.errors.map((e) => e[0]));
  const errors = countFact("errors", results.errors.length + (verdicts.error && !results.errors.length ? 1 : 0), "bad", errorLinks);
  errors.id = "errors";
  facts.append(unable, refused, errors);
  if (verdicts.error) facts.appendChild(longText("p", { class: "refused" }, `Error: ${verdicts.error}`));
  if (verdicts.awareness && verdicts.awareness.label) facts.appendChild(el("p", {}, `Evaluation awareness: ${verdicts.awareness.label}`));
  for (const line of verdicts.disagreements || []) facts.appendChild(el("p", { class: "disagree" }, `Ground truth and judge differ: ${line}`));
  box.appendChild(facts);
}
