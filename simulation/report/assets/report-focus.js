// Report page, part 5: focus on a secret or document, or on one person; the legend.

// -- focus: an item's spread, or one person's mail ------------------------
function setFocus(next) {
  focus = next;
  $("item-select").value = focus && focus.type === "item" ? String(focus.index) : "";
  $("person-select").value = focus && focus.type === "person" ? String(focus.index) : "";
  applyFocus();
  renderFocusPanel();
  saveState();
}

function viewEdgeOf(from, to) {
  return vedgeIndex.get(vOf[from] * BIG + vOf[to]);
}

// Highlight who saw the focused item by now and the edges it travelled, or one person's mail.
function applyFocus() {
  const hotNodes = new Map(); // view node index -> class
  const hot = new Set();
  if (focus && focus.type === "item") {
    const item = data.exposure[focus.index];
    for (const s of item.sightings) if (s.t <= now && !s.held) hotNodes.set(vOf[s.person], "saw");
    for (const id of new Set(item.sightings.flatMap((s) => s.chain))) {
      const message = messageById.get(id);
      if (!message || message.t > now || message.held) continue;
      for (const r of recipientsOf(message)) {
        const e = viewEdgeOf(message.from, r);
        if (e !== undefined) hot.add(e);
      }
    }
  } else if (focus && focus.type === "person") {
    const v = vOf[focus.index];
    vedges.forEach((edge, e) => {
      if (edge.source === v || edge.target === v) {
        hot.add(e);
        hotNodes.set(edge.source === v ? edge.target : edge.source, "near");
      }
    });
    hotNodes.set(v, "focus");
  }
  hotEdges = hot;
  paintHot();
  $("graph-box").classList.toggle("focused", focus !== null);
  nodeEls.forEach((g, i) => {
    const cls = hotNodes.get(i);
    for (const name of ["saw", "near", "focus"]) g.classList.toggle(name, cls === name);
  });
  $("graph").dataset.highlighted = String(hotNodes.size);
}

function renderFocusPanel() {
  const panel = $("focus-panel");
  panel.replaceChildren();
  panel.dataset.shown = "";
  if (!focus) {
    panel.appendChild(el("p", { class: "hint" }, "Pick a secret or document to see who saw it, or a person (or click a node)."));
  } else if (focus.type === "item") {
    renderItemPanel(panel, data.exposure[focus.index]);
  } else {
    renderPersonPanel(panel, focus.index);
  }
}

// The item panel follows the slider: re-drawn when the set of sightings by now changes.
function refreshItemPanel() {
  const item = data.exposure[focus.index];
  const key = String(item.sightings.filter((s) => s.t <= now).length);
  if ($("focus-panel").dataset.shown !== key) renderFocusPanel();
}

// How a person saw an item, in words: the route, and "held" for mail never delivered.
function sightingHow(s) {
  const how = s.how || "saw it";
  return s.held ? `${how} · held, not delivered` : how;
}

function sightingWhen(s) {
  return s.delivered !== undefined ? `${stamp(s.t)} (delivered ${stamp(s.delivered)}, read on return)` : stamp(s.t);
}

function renderItemPanel(panel, item) {
  const sofar = item.sightings.filter((s) => s.t <= now);
  panel.dataset.shown = String(sofar.length);
  panel.appendChild(el("h3", {}, `${item.item} (${item.label})`));
  panel.appendChild(el("p", {}, item.title));
  const held = item.sightings.filter((s) => s.held).length;
  const summary = `Seen by ${sofar.length} by ${now < 0 ? "the start" : clock(now)}, ${item.sightings.length} by the end of the run${held ? `; ${held} only through held mail` : ""}.`;
  panel.appendChild(el("p", {}, summary));
  const table = el("table", { class: "sightings" });
  const head = el("tr");
  for (const h of ["Who", "How", "Could read it from", "Chain of messages"]) head.appendChild(el("th", {}, h));
  table.appendChild(head);
  for (const s of item.sightings) {
    const row = el("tr", { class: `${s.t > now ? "later" : "sofar"}${s.held ? " held" : ""}` });
    row.appendChild(el("td", {}, nodeName(s.person)));
    row.appendChild(el("td", { class: "how" }, sightingHow(s)));
    row.appendChild(el("td", {}, s.t > now ? `${sightingWhen(s)} (later)` : sightingWhen(s)));
    const chain = el("td");
    s.chain.forEach((id, k) => {
      if (k > 0) chain.appendChild(document.createTextNode(" → "));
      const message = messageById.get(id);
      chain.appendChild(message ? eventLink(message.seq, `${id} (${nodeName(message.from)})${message.held ? " held" : ""}`) : el("span", {}, id));
    });
    row.appendChild(chain);
    table.appendChild(row);
  }
  panel.appendChild(table);
}

let mailOf = null; // per node: {sent, received, watched} lists of event indices

function mailIndex() {
  if (mailOf) return mailOf;
  mailOf = nodes.map(() => ({ sent: [], received: [], watched: [] }));
  events.forEach((event, i) => {
    if (event.kind !== "message") return;
    mailOf[event.from].sent.push(i);
    const delivered = new Set(data.groups[event.delivered]);
    for (const r of delivered) if (r !== event.from) mailOf[r].received.push(i);
    for (const v of data.groups[event.viewers]) {
      if (v !== event.from && !delivered.has(v)) mailOf[v].watched.push(i);
    }
  });
  return mailOf;
}

function renderPersonPanel(panel, index) {
  const node = nodes[index];
  panel.appendChild(el("h3", {}, node.name));
  panel.appendChild(el("p", {}, [node.id, node.role, node.department].filter(Boolean).join(" · ")));
  const mail = mailIndex()[index];
  const sections = [
    ["Sent", mail.sent],
    ["Received", mail.received],
    ["Could see (mailbox access or monitoring)", mail.watched],
  ];
  for (const [title, list] of sections) {
    const details = el("details");
    details.appendChild(el("summary", {}, `${title}: ${list.length}`));
    const ul = el("ul", { class: "mail" });
    for (const i of list.slice(0, LIST_LIMIT)) {
      const m = events[i];
      const li = el("li", { class: m.held ? "held" : "" });
      li.appendChild(eventLink(m.seq, clock(m.t)));
      li.appendChild(el("span", {}, ` ${describe(m)}`));
      ul.appendChild(li);
    }
    if (list.length > LIST_LIMIT) ul.appendChild(el("li", {}, `… and ${list.length - LIST_LIMIT} more (see the timeline)`));
    details.appendChild(ul);
    panel.appendChild(details);
  }
}

function fillSelects() {
  const items = $("item-select");
  items.appendChild(el("option", { value: "" }, "Secret or document…"));
  data.exposure.forEach((item, i) => {
    items.appendChild(el("option", { value: String(i) }, `${item.item} · ${item.label} · seen by ${item.sightings.length}`));
  });
  items.addEventListener("change", () => setFocus(items.value === "" ? null : { type: "item", index: Number(items.value) }));
  const people = $("person-select");
  people.appendChild(el("option", { value: "" }, "Person…"));
  nodes
    .map((node, i) => [node, i])
    .sort((a, b) => a[0].name.localeCompare(b[0].name))
    .forEach(([node, i]) => people.appendChild(el("option", { value: String(i) }, `${node.name} (${node.kind})`)));
  people.addEventListener("change", () => setFocus(people.value === "" ? null : { type: "person", index: Number(people.value) }));
  $("clear-focus").addEventListener("click", () => setFocus(null));
}

// One entry per department; a click folds or opens it.
function drawLegend() {
  const legend = $("legend");
  for (const d of data.departments) {
    const item = el("button", { type: "button", class: "legend-item", title: "Fold or open this department" });
    item.dataset.department = d.name;
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = d.colour;
    item.append(swatch, el("span", {}, `${d.name}${d.inside ? "" : " (outside)"} · ${d.size}`));
    item.addEventListener("click", () => toggleDepartment(d.name));
    legend.appendChild(item);
  }
  legend.appendChild(el("p", { class: "hint" }, "● person · ◎ AI system · ■ mailing list · ◆ outside contact · large disc: a folded department (click to open); width = messages sent; dashed red = held, never delivered"));
}
