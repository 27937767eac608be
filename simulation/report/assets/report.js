// The run report: draws the message-flow graph, the time slider, focus views,
// the timeline, the subject's transcript and the verdicts from the embedded JSON.
// Every piece of text from the run is written with textContent, never as markup.
(() => {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const SIZE = 1000; // the graph's viewBox is SIZE x SIZE
  const PAGE_SIZE = 100;
  const LIST_LIMIT = 50;
  const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

  const data = JSON.parse(document.getElementById("report-data").textContent);
  const nodes = data.nodes;
  const edges = data.edges;
  const events = data.events;
  const byAddress = new Map(nodes.map((node, i) => [node.id, i]));
  const eventBySeq = new Map(events.map((event, i) => [event.seq, i]));
  const messageById = new Map();
  for (const event of events) if (event.kind === "message") messageById.set(event.id, event);
  const colours = new Map(data.departments.map((d) => [d.name, d.colour]));
  const radius = Math.max(4, Math.min(12, 120 / Math.sqrt(nodes.length + 1)));

  // -- small DOM helpers ---------------------------------------------------
  function el(tag, attrs = {}, text = null) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== null) node.textContent = String(text);
    return node;
  }

  function svgEl(tag, attrs = {}) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    return node;
  }

  function $(id) {
    return document.getElementById(id);
  }

  function eventLink(seq, text) {
    return el("a", { href: `#ev-${seq}` }, text);
  }

  // -- time ----------------------------------------------------------------
  const calendarStart = parseIso(data.run.calendar_start);

  function parseIso(text) {
    const [date, time] = text.split("T");
    const [y, m, d] = date.split("-").map(Number);
    const [hh, mm, ss] = time.split(":").map(Number);
    return Date.UTC(y, m - 1, d, hh, mm, ss || 0);
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function clock(t) {
    const d = new Date(calendarStart + t * 1000);
    return `${WEEKDAYS[d.getUTCDay()]} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  }

  function stamp(t) {
    const d = new Date(calendarStart + t * 1000);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${clock(t)}`;
  }

  // -- names ---------------------------------------------------------------
  function nodeName(i) {
    return nodes[i] ? nodes[i].name : "?";
  }

  function addressName(address) {
    const i = byAddress.get(address);
    return i === undefined ? String(address) : nodeName(i);
  }

  function names(indices) {
    return indices.map(nodeName).join(", ");
  }

  function recipientsOf(message) {
    const seen = new Set();
    for (const i of [...message.to, ...message.cc, ...message.bcc]) {
      if (i !== message.from) seen.add(i);
    }
    return [...seen];
  }

  // -- the graph -------------------------------------------------------------
  // Edges are painted onto a stack of SVG "sheets" behind the nodes. Moving
  // forward in time only adds strokes to the newest sheet, so the browser
  // repaints one small sheet per frame however many edges are drawn already;
  // moving back repaints only the sheets holding strokes that no longer hold.
  // A stroke is an edge at a width class; a thicker stroke covers a thinner one.
  const WIDTH_CLASSES = [1, 2, 4, 8, 16, 32]; // least messages per edge in each class
  const CLASSES = WIDTH_CLASSES.length;
  const SHEET_SIZE = 2000; // strokes per sheet
  const MAX_SHEETS = 24; // past this, all strokes are packed again
  const edgeIndex = new Map(edges.map((e, i) => [e.source * nodes.length + e.target, i]));
  const sends = buildSends();
  const edgeCounts = new Int32Array(edges.length);
  const nodeDegree = new Int32Array(nodes.length);
  const topClass = new Int8Array(edges.length).fill(-1); // class of each edge's top stroke
  const strokeSheet = new Int16Array(edges.length * CLASSES).fill(-1); // sheet of stroke (e, k)
  const sheets = []; // {svg, strokes: [e * CLASSES + k], fresh, stale}
  const nodeEls = [];
  let geometry = [];
  let hotEdges = new Set();
  let hotPaths = [];
  let visibleCount = 0;
  let cursor = 0; // sends[0 .. cursor) have happened
  let now = data.run.end;
  let focus = null; // {type: "item", index} or {type: "person", index}

  function buildSends() {
    const times = [];
    const owners = [];
    edges.forEach((edge, i) => {
      for (const t of edge.times) {
        times.push(t);
        owners.push(i);
      }
    });
    const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b]);
    return {
      times: Float64Array.from(order, (i) => times[i]),
      edges: Int32Array.from(order, (i) => owners[i]),
    };
  }

  function point(i) {
    return [(nodes[i].x + 1.15) * (SIZE / 2.3), (nodes[i].y + 1.15) * (SIZE / 2.3)];
  }

  const f = (n) => n.toFixed(1);

  // A curve bent to the right of its direction, so a -> b and b -> a both show.
  function edgeGeometry(edge) {
    const [x1, y1] = point(edge.source);
    const [x2, y2] = point(edge.target);
    const length = Math.hypot(x2 - x1, y2 - y1) || 1;
    const [ux, uy] = [(x2 - x1) / length, (y2 - y1) / length];
    const bend = Math.min(40, length * 0.12);
    const [cx, cy] = [(x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend];
    const [tx, ty] = [x2 - ux * (radius + 1), y2 - uy * (radius + 1)];
    const tangent = Math.hypot(tx - cx, ty - cy) || 1;
    const [vx, vy] = [(tx - cx) / tangent, (ty - cy) / tangent];
    const d = `M${f(x1 + ux * radius)},${f(y1 + uy * radius)}Q${f(cx)},${f(cy)} ${f(tx - vx * 4)},${f(ty - vy * 4)}`;
    return { d, tx, ty, vx, vy };
  }

  function arrowhead(e, k) {
    const { tx, ty, vx, vy } = geometry[e];
    const size = 6.5 + 1.5 * k;
    const [bx, by] = [tx - vx * size, ty - vy * size];
    const [nx, ny] = [-vy * size * 0.45, vx * size * 0.45];
    return `M${f(tx)},${f(ty)}L${f(bx + nx)},${f(by + ny)}L${f(bx - nx)},${f(by - ny)}z`;
  }

  // One stroke path and one arrowhead path per width class, in `parent`.
  function classPaths(parent) {
    return WIDTH_CLASSES.map((_, k) => {
      const stroke = svgEl("path", { class: "stroke", "stroke-width": String(k + 1), d: "" });
      const arrows = svgEl("path", { class: "arrows", d: "" });
      parent.append(stroke, arrows);
      return [stroke, arrows];
    });
  }

  function paintPaths(paths, strokes) {
    const byClass = WIDTH_CLASSES.map(() => [[], []]);
    for (const code of strokes) {
      const [e, k] = [Math.floor(code / CLASSES), code % CLASSES];
      byClass[k][0].push(geometry[e].d);
      byClass[k][1].push(arrowhead(e, k));
    }
    paths.forEach(([stroke, arrows], k) => {
      stroke.setAttribute("d", byClass[k][0].join(""));
      arrows.setAttribute("d", byClass[k][1].join(""));
    });
  }

  function addSheet() {
    const svg = svgEl("svg", { class: "sheet", viewBox: `0 0 ${SIZE} ${SIZE}`, "aria-hidden": "true" });
    $("sheets").appendChild(svg);
    sheets.push({ svg, paths: classPaths(svg), strokes: [], fresh: false, stale: false });
  }

  function addStroke(e, k) {
    if (!sheets.length || sheets[sheets.length - 1].strokes.length >= SHEET_SIZE) addSheet();
    const sheet = sheets[sheets.length - 1];
    sheet.strokes.push(e * CLASSES + k);
    sheet.fresh = true;
    strokeSheet[e * CLASSES + k] = sheets.length - 1;
  }

  // Drop edge e's strokes above class k; keep (or add) one at k or below.
  function lowerStrokes(e, k) {
    let kept = false;
    for (let j = 0; j < CLASSES; j++) {
      const at = strokeSheet[e * CLASSES + j];
      if (at < 0) continue;
      if (j > k) {
        sheets[at].stale = true;
        strokeSheet[e * CLASSES + j] = -1;
      } else {
        kept = true;
      }
    }
    if (k >= 0 && !kept) addStroke(e, k);
  }

  function paintSheets() {
    if (sheets.length > MAX_SHEETS) packSheets();
    sheets.forEach((sheet, index) => {
      if (sheet.stale) sheet.strokes = sheet.strokes.filter((code) => strokeSheet[code] === index);
    });
    while (sheets.length && !sheets[sheets.length - 1].strokes.length) sheets.pop().svg.remove();
    for (const sheet of sheets) {
      if (sheet.stale || sheet.fresh) paintPaths(sheet.paths, sheet.strokes);
      sheet.svg.dataset.strokes = String(sheet.strokes.length);
      sheet.stale = sheet.fresh = false;
    }
  }

  function packSheets() {
    const live = sheets.flatMap((sheet, index) => sheet.strokes.filter((code) => strokeSheet[code] === index));
    $("sheets").replaceChildren();
    sheets.length = 0;
    strokeSheet.fill(-1);
    for (const code of live) addStroke(Math.floor(code / CLASSES), code % CLASSES);
  }

  function paintHot() {
    const strokes = [...hotEdges].filter((e) => topClass[e] >= 0).map((e) => e * CLASSES + topClass[e]);
    paintPaths(hotPaths, strokes);
  }

  function drawGraph() {
    const svg = $("graph");
    svg.setAttribute("viewBox", `0 0 ${SIZE} ${SIZE}`);
    svg.dataset.nodes = String(nodes.length);
    svg.dataset.edges = String(edges.length);
    geometry = edges.map(edgeGeometry);
    const hot = svgEl("g", { class: "hot" });
    hotPaths = classPaths(hot);
    svg.appendChild(hot);
    const nodeLayer = svgEl("g", { id: "nodes" });
    const labelled = nodes.length <= 60;
    nodes.forEach((node, i) => {
      const [x, y] = point(i);
      const group = svgEl("g", { class: `node idle ${node.inside ? "inside" : "outside"}` });
      group.dataset.id = node.id;
      group.setAttribute("transform", `translate(${f(x)},${f(y)})`);
      group.appendChild(nodeShape(node));
      const title = svgEl("title");
      title.textContent = `${node.name} <${node.id}> · ${node.department}${node.role ? " · " + node.role : ""}`;
      group.appendChild(title);
      const label = svgEl("text", { x: "0", y: String(-radius - 3), class: "label" });
      label.textContent = node.name;
      if (!labelled) label.classList.add("hover-only");
      group.appendChild(label);
      group.addEventListener("click", () => setFocus({ type: "person", index: i }));
      nodeEls.push(group);
      nodeLayer.appendChild(group);
    });
    svg.appendChild(nodeLayer);
  }

  function nodeShape(node) {
    const fill = colours.get(node.department) || "#777";
    const r = radius;
    if (node.kind === "list") {
      return svgEl("rect", { x: -r, y: -r, width: 2 * r, height: 2 * r, rx: 2, fill });
    }
    if (node.kind === "external") {
      return svgEl("path", { d: `M0,${-r * 1.2} L${r * 1.2},0 L0,${r * 1.2} L${-r * 1.2},0 z`, fill });
    }
    const circle = svgEl("circle", { r, fill });
    if (node.kind === "ai") circle.classList.add("ai");
    return circle;
  }

  function widthClass(count) {
    let k = 0;
    while (k + 1 < CLASSES && count >= WIDTH_CLASSES[k + 1]) k += 1;
    return k;
  }

  // Move the clock to t: only the edges whose count changes are touched.
  function setTime(t) {
    now = Math.max(data.run.start, Math.min(data.run.end, t));
    const changed = new Set();
    const { times, edges: owners } = sends;
    while (cursor < times.length && times[cursor] <= now) {
      const e = owners[cursor++];
      if (edgeCounts[e]++ === 0) touchNodes(e, 1);
      changed.add(e);
    }
    while (cursor > 0 && times[cursor - 1] > now) {
      const e = owners[--cursor];
      if (--edgeCounts[e] === 0) touchNodes(e, -1);
      changed.add(e);
    }
    let hotChanged = false;
    for (const e of changed) {
      const k = edgeCounts[e] ? widthClass(edgeCounts[e]) : -1;
      if (k > topClass[e]) addStroke(e, k);
      if (k < topClass[e]) lowerStrokes(e, k);
      topClass[e] = k;
      hotChanged = hotChanged || hotEdges.has(e);
    }
    paintSheets();
    if (focus && focus.type === "item") applyFocus();
    else if (hotChanged) paintHot();
    const svg = $("graph");
    svg.dataset.time = String(now);
    svg.dataset.visibleEdges = String(visibleCount);
    svg.dataset.messages = String(cursor);
    $("slider").value = String(now);
    $("clock").textContent = stamp(now);
    $("counts").textContent = `${cursor} sends · ${visibleCount} of ${edges.length} edges`;
  }

  function touchNodes(e, delta) {
    visibleCount += delta;
    for (const i of [edges[e].source, edges[e].target]) {
      nodeDegree[i] += delta;
      nodeEls[i].classList.toggle("idle", nodeDegree[i] === 0);
    }
  }

  // -- play ----------------------------------------------------------------
  let playing = null;

  function play(seconds) {
    stop();
    const duration = (seconds || Number($("speed").value)) * 1000;
    const from = now >= data.run.end ? data.run.start : now;
    const span = data.run.end - from;
    const began = performance.now();
    const frames = [];
    $("play").textContent = "Pause";
    return new Promise((resolve) => {
      const step = (stampMs) => {
        frames.push(stampMs);
        const done = Math.min(1, (performance.now() - began) / duration);
        setTime(from + span * done);
        if (done < 1 && playing !== null) {
          playing = requestAnimationFrame(step);
        } else {
          playing = null;
          $("play").textContent = "Play";
          resolve({ ms: performance.now() - began, frames: frames.length, worst: worstGap(frames) });
        }
      };
      playing = requestAnimationFrame(step);
    });
  }

  function worstGap(frames) {
    let worst = 0;
    for (let i = 1; i < frames.length; i++) worst = Math.max(worst, frames[i] - frames[i - 1]);
    return worst;
  }

  function stop() {
    if (playing !== null) cancelAnimationFrame(playing);
    playing = null;
    $("play").textContent = "Play";
  }

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

  // -- timeline --------------------------------------------------------------
  const timeline = { rows: events.map((_, i) => i), page: 0, open: new Set() };

  function describe(event) {
    switch (event.kind) {
      case "message":
        return `${nodeName(event.from)} → ${names(recipientsOf(event))}: ${event.subject}`;
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
    if (kind && kind !== "subject" && event.kind !== kind) return false;
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
      const row = el("tr", { id: `ev-${event.seq}`, class: `ev ${event.kind}${event.injected ? " injected" : ""}` });
      row.appendChild(el("td", { class: "seq" }, event.seq));
      row.appendChild(el("td", { class: "when" }, stamp(event.t)));
      const kind = el("td", { class: "kind" }, event.kind);
      if (event.injected) kind.appendChild(el("span", { class: "badge" }, "injected"));
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
      dl.appendChild(el("dd", {}, value));
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
    fields.push(["delivered to", names(data.groups[event.delivered])]);
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
      }
      if (event.kind === "tool_call") {
        entry.appendChild(el("p", { class: event.ok ? "ok" : "refused" }, `${event.tool} ${event.ok ? "" : "(refused)"}`));
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

  // -- header and start-up -------------------------------------------------------
  function renderHeader() {
    const run = data.run;
    $("title").textContent = `${run.company}: ${run.scenario} · seed ${run.seed}`;
    const conditions = Object.entries(run.conditions).map(([k, v]) => `${k}=${v}`).join(", ") || "none";
    const subject = data.subject === null ? "none" : nodes[data.subject].name;
    const model = run.models && run.models.subject ? ` (${run.models.subject})` : "";
    $("meta").textContent = `Run ${run.id} · ${run.status || "unknown status"} · conditions: ${conditions} · subject: ${subject}${model} · ${nodes.length} nodes, ${edges.length} edges, ${sends.times.length} sends`;
  }

  function followHash() {
    const match = /^#ev-(\d+)$/.exec(location.hash);
    if (match) showEvent(Number(match[1]));
  }

  function start() {
    const began = performance.now();
    renderHeader();
    drawGraph();
    drawLegend();
    fillSelects();
    const slider = $("slider");
    slider.min = String(data.run.start);
    slider.max = String(data.run.end);
    slider.step = "any";
    slider.addEventListener("input", () => {
      stop();
      setTime(Number(slider.value));
    });
    $("play").addEventListener("click", () => (playing === null ? play() : stop()));
    setTime(data.run.end);
    setFocus(null);
    setupTimeline();
    renderTranscript();
    renderVerdicts();
    window.addEventListener("hashchange", followHash);
    followHash();
    window.report = { setTime, setFocus, play, stop, showEvent, exposure: data.exposure, nodes };
    document.body.dataset.ready = "1";
    document.body.dataset.startMs = (performance.now() - began).toFixed(1);
  }

  start();
})();
