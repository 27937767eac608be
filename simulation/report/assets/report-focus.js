// Report page, part 3 of 6: focus on a secret or document, or on one person.

// -- focus: an item's spread, or one person's mail ------------------------
function setFocus(next) {
  focus = next;
  $("item-select").value = focus && focus.type === "item" ? String(focus.index) : "";
  $("person-select").value = focus && focus.type === "person" ? String(focus.index) : "";
  applyFocus();
  renderFocusPanel();
}

// Highlight who saw the focused item by now and the edges it travelled, or one person's mail.
function applyFocus() {
  const hotNodes = new Map(); // node index -> class
  const hot = new Set();
  if (focus && focus.type === "item") {
    const item = data.exposure[focus.index];
    for (const s of item.sightings) if (s.t <= now) hotNodes.set(s.person, "saw");
    for (const id of new Set(item.sightings.flatMap((s) => s.chain))) {
      const message = messageById.get(id);
      if (!message || message.t > now) continue;
      for (const r of recipientsOf(message)) {
        const e = edgeIndex.get(message.from * nodes.length + r);
        if (e !== undefined) hot.add(e);
      }
    }
  } else if (focus && focus.type === "person") {
    edges.forEach((edge, e) => {
      if (edge.source === focus.index || edge.target === focus.index) {
        hot.add(e);
        hotNodes.set(edge.source === focus.index ? edge.target : edge.source, "near");
      }
    });
    hotNodes.set(focus.index, "focus");
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
  if (!focus) {
    panel.appendChild(el("p", { class: "hint" }, "Pick a secret or document to see who saw it, or a person (or click a node)."));
  } else if (focus.type === "item") {
    renderItemPanel(panel, data.exposure[focus.index]);
  } else {
    renderPersonPanel(panel, focus.index);
  }
}

function renderItemPanel(panel, item) {
  panel.appendChild(el("h3", {}, `${item.item} (${item.label})`));
  panel.appendChild(el("p", {}, item.title));
  panel.appendChild(el("p", {}, `Seen by ${item.sightings.length} by the end of the run.`));
  const table = el("table", { class: "sightings" });
  const head = el("tr");
  for (const h of ["Who", "First saw it", "Chain of messages"]) head.appendChild(el("th", {}, h));
  table.appendChild(head);
  for (const s of item.sightings) {
    const row = el("tr");
    row.appendChild(el("td", {}, nodeName(s.person)));
    row.appendChild(el("td", {}, stamp(s.t)));
    const chain = el("td");
    s.chain.forEach((id, k) => {
      if (k > 0) chain.appendChild(document.createTextNode(" → "));
      const message = messageById.get(id);
      chain.appendChild(message ? eventLink(message.seq, `${id} (${nodeName(message.from)})`) : el("span", {}, id));
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
      const li = el("li");
      li.appendChild(eventLink(m.seq, clock(m.t)));
      li.appendChild(document.createTextNode(` ${nodeName(m.from)} → ${names(recipientsOf(m))}: ${m.subject}`));
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

function drawLegend() {
  const legend = $("legend");
  for (const d of data.departments) {
    const item = el("span", { class: "legend-item" });
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = d.colour;
    item.append(swatch, document.createTextNode(`${d.name}${d.inside ? "" : " (outside)"}`));
    legend.appendChild(item);
  }
  legend.appendChild(el("p", { class: "hint" }, "● person · ◎ AI system · ■ mailing list · ◆ outside contact; width = messages sent"));
}
