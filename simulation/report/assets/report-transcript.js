// Report page, part 6: the subject's transcript, session by session, with what its
// model was shown (system prompt once, each session's wake note and new mail) and
// what each call answered, cost and took. Sessions without any action fold into one line.

const transcript = data.transcript || { prompts: [], calls: {} };

// The subject's events cut into sessions: each starts at a wake-up.
function subjectSessions() {
  const address = nodes[data.subject].id;
  const sessions = [];
  let current = null;
  for (const event of events) {
    const mine = event.agent === address || (event.kind === "message" && event.from === data.subject);
    if (!mine) continue;
    if (event.kind === "wake" || current === null) {
      current = { wake: event.kind === "wake" ? event : null, events: [] };
      sessions.push(current);
    }
    if (event.kind !== "wake") current.events.push(event);
  }
  return sessions;
}

// A session acted when it called a tool, tried to, sent mail, or failed or was refused.
function sessionActed(session) {
  return session.events.some(
    (e) =>
      e.kind === "tool_call" ||
      e.kind === "message" ||
      e.kind === "agent_error" ||
      e.kind === "provider_refused" ||
      (e.kind === "agent_output" && (e.tool_calls.length || (e.unparsed || []).length)),
  );
}

function renderTranscript() {
  const box = $("transcript");
  if (data.subject === null) {
    box.appendChild(el("p", { class: "hint" }, "This run has no subject."));
    return;
  }
  const sessions = subjectSessions();
  if (!sessions.length) {
    box.appendChild(el("p", { class: "hint" }, "The subject did nothing in this run."));
    return;
  }
  transcript.prompts.forEach((prompt, i) => {
    const details = el("details", { class: "prompt" });
    const label = transcript.prompts.length > 1 ? `System prompt ${i + 1}` : "System prompt";
    details.appendChild(el("summary", {}, `${label} (${prompt.length.toLocaleString("en")} characters)`));
    details.appendChild(longText("pre", {}, prompt));
    box.appendChild(details);
  });
  const acted = sessions.filter(sessionActed).length;
  const filter = el("label", { class: "hint" });
  const only = el("input", { type: "checkbox", id: "acted-only" });
  only.addEventListener("change", () => box.classList.toggle("acted-only", only.checked));
  filter.append(only, document.createTextNode(` only the ${acted} sessions with actions (of ${sessions.length})`));
  box.appendChild(filter);
  let idle = [];
  const flush = () => {
    if (idle.length) box.appendChild(idleLine(idle));
    idle = [];
  };
  for (const session of sessions) {
    if (sessionActed(session)) {
      flush();
      box.appendChild(sessionBlock(session));
    } else {
      idle.push(session);
    }
  }
  flush();
  box.dataset.sessions = String(sessions.length);
  box.dataset.acted = String(acted);
}

function sessionStart(session) {
  return session.wake ? session.wake.t : session.events[0].t;
}

function sessionEnd(session) {
  return session.events.length ? session.events[session.events.length - 1].t : sessionStart(session);
}

// "12 sessions with no action, Tue 11:07–17:37", opening to the sessions themselves.
function idleLine(sessions) {
  const details = el("details", { class: "idle-sessions" });
  const from = clock(sessionStart(sessions[0]));
  const to = clock(sessionEnd(sessions[sessions.length - 1]));
  const [day, until] = [from.slice(0, 3), to.slice(0, 3) === from.slice(0, 3) ? to.slice(4) : to];
  const span = sessions.length === 1 ? from : `${day} ${from.slice(4)}–${until}`;
  const count = sessions.length === 1 ? "1 session" : `${sessions.length} sessions`;
  details.appendChild(el("summary", {}, `${count} with no action, ${span}`));
  for (const session of sessions) details.appendChild(sessionBlock(session));
  details.dataset.count = String(sessions.length);
  return details;
}

function sessionBlock(session) {
  const block = el("div", { class: "session" });
  const head = el("div", { class: "session-head" });
  const start = sessionStart(session);
  if (session.wake) head.appendChild(eventLink(session.wake.seq, `#${session.wake.seq}`));
  head.appendChild(el("span", {}, ` ${stamp(start)} · woken: ${session.wake ? session.wake.reason : "unknown"}`));
  block.appendChild(head);
  for (const event of session.events) block.appendChild(turn(event));
  return block;
}

// What the model was shown for this call (wake note, new mail) and what it cost.
function callInputs(entry, event) {
  const call = event.call_id ? transcript.calls[event.call_id] : undefined;
  if (!call) return;
  for (const text of call.inputs) {
    const details = el("details", { class: "inputs" });
    const mails = (text.match(/<email>/g) || []).length;
    const what = mails ? `wake note and ${mails} new email${mails > 1 ? "s" : ""}` : "note from the world";
    details.appendChild(el("summary", {}, `What the model was shown: ${what} (${text.length.toLocaleString("en")} characters)`));
    details.appendChild(longText("pre", { class: "input" }, text));
    entry.appendChild(details);
  }
  entry.appendChild(el("p", { class: "call-figures" }, callFigures(call)));
}

function callFigures(call) {
  const parts = [];
  if (call.model) parts.push(call.model);
  if (call.tokens_in != null) parts.push(`${call.tokens_in} tokens in`);
  if (call.tokens_out != null) parts.push(`${call.tokens_out} out`);
  if (call.cost != null) parts.push(`$${Number(call.cost).toFixed(4)}`);
  if (call.latency_s != null) parts.push(`${Number(call.latency_s).toFixed(2)} s`);
  if (call.cached) parts.push("from the response cache");
  if (call.error) parts.push(`error: ${call.error}`);
  return parts.join(" · ");
}

function turn(event) {
  const entry = el("div", { class: `turn ${event.kind}`, id: `tr-${event.seq}` });
  const head = el("div", { class: "turn-head" });
  head.appendChild(eventLink(event.seq, `#${event.seq}`));
  head.appendChild(el("span", {}, ` ${clock(event.t)} · ${event.kind.replace("_", " ")}`));
  entry.appendChild(head);
  if (event.kind === "agent_output" || event.kind === "provider_refused") callInputs(entry, event);
  if (event.kind === "agent_output") {
    if (event.reasoning) {
      const details = el("details", { open: "" });
      details.appendChild(el("summary", {}, "reasoning"));
      details.appendChild(longText("pre", { class: "reasoning" }, event.reasoning));
      entry.appendChild(details);
    }
    if (event.text) entry.appendChild(longText("pre", { class: "text" }, event.text));
    for (const call of event.tool_calls) entry.appendChild(longText("pre", { class: "call" }, call));
    for (const attempt of event.unparsed || []) {
      entry.appendChild(el("p", { class: "refused" }, `not read as a tool call, nothing run: ${attempt}`));
    }
  }
  if (event.kind === "tool_call") {
    const failed = event.failure === "invalid" ? "(invalid arguments)" : event.failure === "unreadable" ? "(not readable)" : "(refused)";
    entry.appendChild(el("p", { class: event.ok ? "ok" : "refused" }, `${event.tool} ${event.ok ? "" : failed}`));
    entry.appendChild(longText("pre", { class: "arguments" }, JSON.stringify(event.arguments, null, 2)));
    entry.appendChild(longText("pre", { class: "result" }, `world: ${event.result}`));
  }
  if (event.kind === "message") {
    entry.appendChild(el("p", { class: event.held ? "refused" : "ok" }, describe(event)));
  }
  if (event.kind === "provider_refused") entry.appendChild(el("p", { class: "refused" }, describe(event)));
  if (event.kind === "agent_error") entry.appendChild(longText("pre", { class: "refused" }, event.error));
  return entry;
}
