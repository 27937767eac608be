// Report page, part 2 of 6: the message-flow graph, the time slider and play.

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
