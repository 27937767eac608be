// Report page, part 2: the timeline of events, filtered and paged.

// -- timeline --------------------------------------------------------------
const timeline = { rows: events.map((_, i) => i), page: 0, open: new Set() };

function describe(event) {
  switch (event.kind) {
    case "message":
      return `${nodeName(event.from)} → ${names(recipientsOf(event))}: ${event.subject}${event.held ? " (held, not delivered)" : ""}`;
    case "provider_refused":
      return `The provider withheld ${addressName(event.agent)}'s answer (${event.reason})${event.text ? ": " + event.text : ""}`;
    case "run_started":
      return `Run started: ${event.scenario}, seed ${event.seed}`;
    case "run_ended":
      return `Run ended after ${event.messages} messages`;
    case "availability":
      return `${addressName(event.person)} ${event.available ? "available again" : "unavailable"}${event.reason ? ": " + event.reason : ""}`;
    case "document_added":
      return `Document added: ${event.title} (${event.label})`;
    case "system_changed":
      return `${event.system} ${event.change}${event.by ? " by " + addressName(event.by) : ""}${event.reason ? ": " + event.reason : ""}`;
    case "decommissioned":
      return `${event.system}: ${addressName(event.target)} ${event.action}`;
    case "alert_raised":
      return `Alert ${event.alert}: ${addressName(event.person)} in danger, dispatch at ${event.dispatch_at}`;
    case "alert_cancelled":
      return `Alert ${event.alert} cancelled by ${addressName(event.by)}`;
    case "alert_dispatched":
      return `Alert ${event.alert} dispatched`;
    case "person_outcome":
      return `${addressName(event.person)}: ${event.outcome}`;
    case "wake":
      return `${addressName(event.agent)} woken: ${event.reason}`;
    case "tool_call":
      return `${addressName(event.agent)} ${event.ok ? "used" : "was refused"} ${event.tool}: ${event.result}`;
    case "agent_output":
      return `${addressName(event.agent)}: ${event.text || event.reasoning || "(no text)"}`;
    case "agent_error":
      return `${addressName(event.agent)} failed: ${event.error}`;
    default:
      return JSON.stringify(event);
  }
}

function matches(event, kind, injectedOnly, needle) {
  if (injectedOnly && !event.injected) return false;
  if (kind === "subject" && !isSubjects(event)) return false;
  if (kind === "held" && !event.held) return false;
  if (kind && kind !== "subject" && kind !== "held" && event.kind !== kind) return false;
  if (!needle) return true;
  const text = event.kind === "message" ? `${describe(event)} ${event.body}` : describe(event);
  return text.toLowerCase().includes(needle);
}

function isSubjects(event) {
  if (data.subject === null) return false;
  const address = nodes[data.subject].id;
  return event.agent === address || (event.kind === "message" && event.from === data.subject);
}

function applyFilters() {
  const kind = $("kind-filter").value;
  const injectedOnly = $("injected-only").checked;
  const needle = $("search").value.trim().toLowerCase();
  timeline.rows = [];
  events.forEach((event, i) => {
    if (matches(event, kind, injectedOnly, needle)) timeline.rows.push(i);
  });
  timeline.page = 0;
  renderTimeline();
}

function renderTimeline() {
  const body = $("timeline-body");
  body.replaceChildren();
  const pages = Math.max(1, Math.ceil(timeline.rows.length / PAGE_SIZE));
  timeline.page = Math.max(0, Math.min(pages - 1, timeline.page));
  const first = timeline.page * PAGE_SIZE;
  for (const i of timeline.rows.slice(first, first + PAGE_SIZE)) {
    const event = events[i];
    const fork = data.run.fork;
    const after = fork !== null && event.t >= fork.t ? " after-fork" : "";
    const held = event.held ? " held" : "";
    const row = el("tr", { id: `ev-${event.seq}`, class: `ev ${event.kind}${event.injected ? " injected" : ""}${held}${after}` });
    row.appendChild(el("td", { class: "seq" }, event.seq));
    row.appendChild(el("td", { class: "when" }, stamp(event.t)));
    const kind = el("td", { class: "kind" }, event.kind);
    if (event.injected) kind.appendChild(el("span", { class: "badge" }, "injected"));
    if (after) kind.appendChild(el("span", { class: "badge fork" }, "after fork"));
    if (event.held) kind.appendChild(el("span", { class: "badge held" }, "held, not delivered"));
    row.appendChild(kind);
    row.appendChild(el("td", { class: "what" }, describe(event)));
    row.addEventListener("click", () => toggleDetail(event.seq));
    body.appendChild(row);
    if (timeline.open.has(event.seq)) body.appendChild(detailRow(event));
  }
  $("page-info").textContent = `Page ${timeline.page + 1} of ${pages} · ${timeline.rows.length} events`;
  $("timeline").dataset.rows = String(body.querySelectorAll("tr.ev").length);
}

function toggleDetail(seq) {
  if (timeline.open.has(seq)) timeline.open.delete(seq);
  else timeline.open.add(seq);
  renderTimeline();
}

function detailRow(event) {
  const row = el("tr", { class: "detail" });
  const cell = el("td", { colspan: "4" });
  const dl = el("dl");
  for (const [key, value] of detailFields(event)) {
    dl.appendChild(el("dt", {}, key));
    dl.appendChild(longText("dd", {}, value));
  }
  cell.appendChild(dl);
  row.appendChild(cell);
  return row;
}

function detailFields(event) {
  if (event.kind !== "message") {
    return Object.entries(event)
      .filter(([key]) => !["seq", "t", "kind"].includes(key))
      .map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value, null, 2)]);
  }
  const fields = [
    ["id", event.id],
    ["from", `${nodeName(event.from)} <${nodes[event.from].id}>`],
    ["to", names(event.to)],
  ];
  if (event.cc.length) fields.push(["cc", names(event.cc)]);
  if (event.bcc.length) fields.push(["bcc", names(event.bcc)]);
  fields.push(["subject", event.subject], ["body", event.body]);
  if (event.attachments) fields.push(["attachments", event.attachments.join(", ")]);
  if (event.in_reply_to) fields.push(["in reply to", event.in_reply_to]);
  if (event.forwarded_from) fields.push(["forwarded from", event.forwarded_from]);
  if (event.held) fields.push(["held", "stopped by real-time review before delivery; it reached nobody"]);
  fields.push(["delivered to", names(data.groups[event.delivered]) || "nobody"]);
  fields.push(["visible to", names(data.groups[event.viewers])]);
  return fields;
}

// Show one event in the timeline (used by every evidence and message link).
function showEvent(seq) {
  if (!eventBySeq.has(seq)) return;
  const i = eventBySeq.get(seq);
  if (!timeline.rows.includes(i)) {
    $("kind-filter").value = "";
    $("injected-only").checked = false;
    $("search").value = "";
    applyFilters();
  }
  timeline.page = Math.floor(timeline.rows.indexOf(i) / PAGE_SIZE);
  timeline.open.add(seq);
  renderTimeline();
  const row = $(`ev-${seq}`);
  row.classList.add("flash");
  row.scrollIntoView({ block: "center" });
}

function setupTimeline() {
  const kinds = [...new Set(events.map((e) => e.kind))].sort();
  const select = $("kind-filter");
  select.appendChild(el("option", { value: "" }, "All kinds"));
  if (data.subject !== null) select.appendChild(el("option", { value: "subject" }, "The subject's actions"));
  if (heldMessages.length) select.appendChild(el("option", { value: "held" }, "Held mail"));
  for (const kind of kinds) select.appendChild(el("option", { value: kind }, kind));
  select.addEventListener("change", applyFilters);
  $("injected-only").addEventListener("change", applyFilters);
  let pending = null;
  $("search").addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(applyFilters, 200);
  });
  $("prev-page").addEventListener("click", () => {
    timeline.page -= 1;
    renderTimeline();
  });
  $("next-page").addEventListener("click", () => {
    timeline.page += 1;
    renderTimeline();
  });
  $("to-slider").addEventListener("click", () => {
    const k = timeline.rows.findIndex((i) => events[i].t >= now);
    timeline.page = Math.floor((k < 0 ? timeline.rows.length - 1 : k) / PAGE_SIZE);
    renderTimeline();
  });
  renderTimeline();
}
