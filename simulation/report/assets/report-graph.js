// Report page, part 3: the message-flow graph, its view (departments folded or open,
// filters) and the time slider.

// -- the view --------------------------------------------------------------
// What is drawn is a *view* of the graph: each person either as themself or, while
// their department is folded, as their department's node; edges between the same
// two drawn nodes are one view edge. Filters (time window, least weight, routine
// chatter) decide which sends count. Changing the view or a filter rebuilds it.
const WIDTH_CLASSES = [1, 2, 4, 8, 16, 32]; // least messages per edge in each class
const CLASSES = WIDTH_CLASSES.length;
const SHEET_SIZE = 2000; // strokes per sheet
const MAX_SHEETS = 24; // past this, all strokes are packed again
const FOLD_ABOVE = 60; // more people than this: departments start folded
const OPENED_SPREAD = 2.5; // how far an opened department's people spread among folded ones
const departmentIndex = new Map(data.departments.map((d, i) => [d.name, i]));
const filters = { window: 0, minWeight: 1, hideRoutine: false };
const folded = new Set(nodes.length > FOLD_ABOVE ? data.departments.filter((d) => d.size > 1).map((d) => d.name) : []);
const heldMessages = events.filter((e) => e.kind === "message" && e.held);

let vnodes = []; // {node: i} or {department: name, members: [i]}
let vOf = new Int32Array(nodes.length); // node index -> view node index
let vedges = []; // {source, target} view node indices
let vedgeIndex = new Map(); // source * BIG + target -> view edge index
let sends = { times: new Float64Array(0), edges: new Int32Array(0) };
let edgeCounts = new Int32Array(0);
let nodeDegree = new Int32Array(0);
let topClass = new Int8Array(0); // class of each view edge's top stroke, -1 when hidden
let strokeSheet = new Int16Array(0); // sheet of stroke (e, k)
const sheets = []; // {svg, paths, strokes: [e * CLASSES + k], fresh, stale}
let nodeEls = []; // per view node
let geometry = [];
let hotEdges = new Set();
let hotPaths = [];
let visibleCount = 0;
let high = 0; // sends[0 .. high) have happened by now
let low = 0; // sends[0 .. low) fell out of the time window
let now = data.run.end;
let focus = null; // {type: "item", index} or {type: "person", index}
const BIG = 1 << 20;

function buildViewNodes() {
  vnodes = [];
  const byDepartment = new Map();
  nodes.forEach((node, i) => {
    if (!folded.has(node.department)) {
      vOf[i] = vnodes.length;
      vnodes.push({ node: i });
      return;
    }
    if (!byDepartment.has(node.department)) {
      byDepartment.set(node.department, vnodes.length);
      vnodes.push({ department: node.department, members: [] });
    }
    vOf[i] = byDepartment.get(node.department);
    vnodes[vOf[i]].members.push(i);
  });
  const centres = new Map();
  nodes.forEach((node, i) => {
    const c = centres.get(node.department) || { x: 0, y: 0, n: 0 };
    centres.set(node.department, { x: c.x + node.x, y: c.y + node.y, n: c.n + 1 });
  });
  // Among folded departments, an opened one spreads out so its people can be told apart.
  const spread = folded.size ? OPENED_SPREAD : 1;
  for (const v of vnodes) {
    const c = centres.get(v.members ? v.department : nodes[v.node].department);
    const [cx, cy] = [c.x / c.n, c.y / c.n];
    if (v.members) {
      [v.x, v.y] = [cx, cy];
    } else {
      v.x = Math.max(-1.1, Math.min(1.1, cx + (nodes[v.node].x - cx) * spread));
      v.y = Math.max(-1.1, Math.min(1.1, cy + (nodes[v.node].y - cy) * spread));
    }
  }
}

function buildViewEdges() {
  vedges = [];
  vedgeIndex = new Map();
  const times = [];
  const owners = [];
  for (const edge of edges) {
    const [s, t] = [vOf[edge.source], vOf[edge.target]];
    if (s === t) continue; // mail inside a folded department
    const key = s * BIG + t;
    if (!vedgeIndex.has(key)) {
      vedgeIndex.set(key, vedges.length);
      vedges.push({ source: s, target: t });
    }
    const e = vedgeIndex.get(key);
    for (const time of edge.times) times.push(time), owners.push(e);
    if (!filters.hideRoutine) for (const time of edge.routine || []) times.push(time), owners.push(e);
  }
  const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b]);
  sends = { times: Float64Array.from(order, (i) => times[i]), edges: Int32Array.from(order, (i) => owners[i]) };
}

// Rebuild everything drawn, keeping the time and the focus.
function rebuildView() {
  buildViewNodes();
  buildViewEdges();
  edgeCounts = new Int32Array(vedges.length);
  nodeDegree = new Int32Array(vnodes.length);
  topClass = new Int8Array(vedges.length).fill(-1);
  strokeSheet = new Int16Array(vedges.length * CLASSES).fill(-1);
  $("sheets").replaceChildren();
  sheets.length = 0;
  visibleCount = high = low = 0;
  drawNodes();
  const t = now;
  now = data.run.start;
  setTime(t);
  if (focus) applyFocus();
  $("graph").dataset.viewNodes = String(vnodes.length);
  $("graph").dataset.folded = String(folded.size);
}

function toggleDepartment(name) {
  if (folded.has(name)) folded.delete(name);
  else folded.add(name);
  rebuildView();
  saveState();
}

// -- drawing -----------------------------------------------------------------
function point(v) {
  return [(vnodes[v].x + 1.15) * (SIZE / 2.3), (vnodes[v].y + 1.15) * (SIZE / 2.3)];
}

const f = (n) => n.toFixed(1);

function sizeOf(v) {
  return vnodes[v].members ? radius * Math.min(3, 1 + Math.sqrt(vnodes[v].members.length) / 3) : radius;
}

// A curve bent to the right of its direction, so a -> b and b -> a both show.
function edgeGeometry(edge) {
  const [x1, y1] = point(edge.source);
  const [x2, y2] = point(edge.target);
  const [r1, r2] = [sizeOf(edge.source), sizeOf(edge.target)];
  const length = Math.hypot(x2 - x1, y2 - y1) || 1;
  const [ux, uy] = [(x2 - x1) / length, (y2 - y1) / length];
  const bend = Math.min(40, length * 0.12);
  const [cx, cy] = [(x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend];
  const [tx, ty] = [x2 - ux * (r2 + 1), y2 - uy * (r2 + 1)];
  const tangent = Math.hypot(tx - cx, ty - cy) || 1;
  const [vx, vy] = [(tx - cx) / tangent, (ty - cy) / tangent];
  const d = `M${f(x1 + ux * r1)},${f(y1 + uy * r1)}Q${f(cx)},${f(cy)} ${f(tx - vx * 4)},${f(ty - vy * 4)}`;
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

// Edges are painted onto a stack of SVG "sheets" behind the nodes. Moving forward
// in time only adds strokes to the newest sheet, so the browser repaints one small
// sheet per frame however many edges are drawn already; moving back repaints only
// the sheets holding strokes that no longer hold. A thicker stroke covers a thinner.
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

// Held mail: a dashed line from the sender to each addressee, never a delivered edge.
function paintHeld() {
  const parts = [];
  let shown = 0;
  for (const m of heldMessages) {
    if (m.t > now) continue;
    shown += 1;
    const [x1, y1] = point(vOf[m.from]);
    for (const r of recipientsOf(m)) {
      const [x2, y2] = point(vOf[r]);
      parts.push(`M${f(x1)},${f(y1)}L${f(x2)},${f(y2)}`);
    }
  }
  const path = $("held-path");
  path.setAttribute("d", parts.join(""));
  path.dataset.held = String(shown);
}

function drawNodes() {
  const svg = $("graph");
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${SIZE} ${SIZE}`);
  svg.dataset.nodes = String(nodes.length);
  svg.dataset.edges = String(edges.length);
  geometry = vedges.map(edgeGeometry);
  const hot = svgEl("g", { class: "hot" });
  hotPaths = classPaths(hot);
  svg.appendChild(hot);
  svg.appendChild(svgEl("path", { id: "held-path", class: "held", d: "" }));
  const nodeLayer = svgEl("g", { id: "nodes" });
  const people = vnodes.filter((v) => !v.members).length;
  nodeEls = vnodes.map((v, i) => {
    const group = v.members ? departmentNode(v) : personNode(v.node, people <= FOLD_ABOVE);
    const [x, y] = point(i);
    group.setAttribute("transform", `translate(${f(x)},${f(y)})`);
    nodeLayer.appendChild(group);
    return group;
  });
  svg.appendChild(nodeLayer);
}

function personNode(i, labelled) {
  const node = nodes[i];
  const group = svgEl("g", { class: `node idle ${node.inside ? "inside" : "outside"}` });
  group.dataset.id = node.id;
  group.appendChild(nodeShape(node));
  const title = svgEl("title");
  title.textContent = visible(`${node.name} <${node.id}> · ${node.department}${node.role ? " · " + node.role : ""}`);
  group.appendChild(title);
  const label = svgEl("text", { x: "0", y: String(-radius - 3), class: "label" });
  label.textContent = visible(node.name);
  if (!labelled) label.classList.add("hover-only");
  group.appendChild(label);
  group.addEventListener("click", () => setFocus({ type: "person", index: i }));
  return group;
}

function departmentNode(v) {
  const group = svgEl("g", { class: "node idle department" });
  group.dataset.id = `department:${v.department}`;
  const r = radius * Math.min(3, 1 + Math.sqrt(v.members.length) / 3);
  group.appendChild(svgEl("circle", { r, fill: colours.get(v.department) || "#777", class: "department" }));
  const title = svgEl("title");
  title.textContent = visible(`${v.department}: ${v.members.length} · click to open`);
  group.appendChild(title);
  const label = svgEl("text", { x: "0", y: String(-r - 3), class: "label" });
  label.textContent = visible(`${v.department} (${v.members.length})`);
  group.appendChild(label);
  group.addEventListener("click", () => toggleDepartment(v.department));
  return group;
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
  if (count < filters.minWeight) return -1;
  let k = 0;
  while (k + 1 < CLASSES && count >= WIDTH_CLASSES[k + 1]) k += 1;
  return k;
}

// Move the clock to t: only the edges whose count changes are touched. With a time
// window, sends older than it are taken off again by a second cursor.
function setTime(t) {
  now = Math.max(data.run.start, Math.min(data.run.end, t));
  const since = filters.window > 0 ? now - filters.window : -Infinity;
  const changed = new Set();
  const { times, edges: owners } = sends;
  const move = (e, delta) => {
    edgeCounts[e] += delta;
    changed.add(e);
  };
  while (high < times.length && times[high] <= now) move(owners[high++], 1);
  while (high > 0 && times[high - 1] > now) move(owners[--high], -1);
  while (low < high && times[low] <= since) move(owners[low++], -1);
  while (low > 0 && times[low - 1] > since) move(owners[--low], 1);
  if (low > high) low = high;
  let hotChanged = false;
  for (const e of changed) {
    const k = edgeCounts[e] > 0 ? widthClass(edgeCounts[e]) : -1;
    if ((k >= 0) !== (topClass[e] >= 0)) touchNodes(e, k >= 0 ? 1 : -1);
    if (k > topClass[e]) addStroke(e, k);
    if (k < topClass[e]) lowerStrokes(e, k);
    topClass[e] = k;
    hotChanged = hotChanged || hotEdges.has(e);
  }
  paintSheets();
  paintHeld();
  if (focus && focus.type === "item") applyFocus();
  else if (hotChanged) paintHot();
  const svg = $("graph");
  svg.dataset.time = String(now);
  svg.dataset.visibleEdges = String(visibleCount);
  svg.dataset.messages = String(high - low);
  showClock();
  $("counts").textContent = `${high - low} sends · ${visibleCount} of ${vedges.length} edges`;
  timeChanged();
}

function touchNodes(e, delta) {
  visibleCount += delta;
  for (const v of [vedges[e].source, vedges[e].target]) {
    nodeDegree[v] += delta;
    nodeEls[v].classList.toggle("idle", nodeDegree[v] === 0);
  }
}

// -- play ----------------------------------------------------------------
let playing = null; // {frame, finish} while the slider moves by itself

// Move the slider to the end over `seconds` of wall time; resolves with frame figures.
function play(seconds) {
  stop();
  const duration = (seconds || Number($("speed").value)) * 1000;
  const from = now >= data.run.end ? data.run.start : now;
  const span = data.run.end - from;
  const began = performance.now();
  const frames = [];
  $("play").textContent = "Pause";
  return new Promise((resolve) => {
    const finish = () => {
      playing = null;
      $("play").textContent = "Play";
      saveState();
      resolve({ ms: performance.now() - began, frames: frames.length, worst: worstGap(frames) });
    };
    const step = (stampMs) => {
      frames.push(stampMs);
      const done = Math.min(1, (performance.now() - began) / duration);
      setTime(from + span * done);
      if (done < 1) playing.frame = requestAnimationFrame(step);
      else finish();
    };
    playing = { frame: requestAnimationFrame(step), finish };
  });
}

function worstGap(frames) {
  let worst = 0;
  for (let i = 1; i < frames.length; i++) worst = Math.max(worst, frames[i] - frames[i - 1]);
  return worst;
}

function stop() {
  if (playing === null) return;
  cancelAnimationFrame(playing.frame);
  playing.finish();
}
