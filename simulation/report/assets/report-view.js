// Report page, part 4: the slider and its markers, filters, zoom and pan, and the
// view kept in the URL fragment (#t=…&focus=…&open=…&zoom=…) so a link opens it again.

// -- the slider ---------------------------------------------------------------
// The slider starts at the run's start; all history mail before it is one step.
const HISTORY_STEP = Math.max(600, data.run.end * 0.02);

function sliderTime(value) {
  return value < -HISTORY_STEP / 2 ? data.run.start : Math.max(0, value);
}

function sliderValue(t) {
  if (t <= data.run.start) return -HISTORY_STEP;
  return t < 0 ? -HISTORY_STEP / 4 : t;
}

function showClock() {
  $("slider").value = String(sliderValue(now));
  $("clock").textContent = now <= data.run.start ? "before the run" : now < 0 ? "history before the run" : stamp(now);
}

function setupSlider() {
  const slider = $("slider");
  slider.min = String(-HISTORY_STEP);
  slider.max = String(data.run.end);
  slider.step = "any";
  slider.addEventListener("input", () => {
    stop();
    setTime(sliderTime(Number(slider.value)));
  });
  $("play").addEventListener("click", () => (playing === null ? play() : stop()));
  drawMarkers();
}

function isSubjectAction(event) {
  if (data.subject === null) return false;
  if (event.kind === "message") return event.from === data.subject;
  return event.kind === "tool_call" && event.agent === nodes[data.subject].id;
}

// Ticks under the slider: the storyline's events and the subject's actions.
function drawMarkers() {
  const box = $("markers");
  const span = data.run.end + HISTORY_STEP;
  const storyline = new Set(data.results.storyline);
  for (const event of events) {
    const kind = storyline.has(event.seq) ? "story" : isSubjectAction(event) ? "action" : null;
    if (kind === null || event.t < 0) continue;
    const tick = el("button", { type: "button", class: `marker ${kind}`, title: `${clock(event.t)} ${describe(event)}` });
    tick.style.left = `${(100 * (event.t + HISTORY_STEP)) / span}%`;
    tick.dataset.seq = String(event.seq);
    tick.addEventListener("click", () => {
      stop();
      setTime(event.t);
    });
    box.appendChild(tick);
  }
  box.dataset.markers = String(box.children.length);
}

// -- filters ----------------------------------------------------------------------
function setupFilters() {
  const span = $("window-filter");
  span.addEventListener("change", () => {
    filters.window = Number(span.value);
    rebuildView();
  });
  const weight = $("weight-filter");
  weight.addEventListener("change", () => {
    filters.minWeight = Math.max(1, Math.floor(Number(weight.value) || 1));
    rebuildView();
  });
  const routine = $("routine-filter");
  routine.disabled = !edges.some((e) => e.routine);
  routine.addEventListener("change", () => {
    filters.hideRoutine = routine.checked;
    rebuildView();
  });
}

// -- zoom and pan ---------------------------------------------------------------
const zoom = { scale: 1, x: 0, y: 0 };
const MAX_ZOOM = 24;

function applyZoom() {
  $("zoom").style.transform = `translate(${zoom.x}px, ${zoom.y}px) scale(${zoom.scale})`;
  $("graph-box").dataset.zoom = zoom.scale.toFixed(3);
}

// Zoom to `scale` keeping the point (px, py) of the box (CSS pixels) where it is.
function zoomTo(scale, px, py) {
  const box = $("graph-box").getBoundingClientRect();
  const [cx, cy] = [px === undefined ? box.width / 2 : px, py === undefined ? box.height / 2 : py];
  const next = Math.max(1, Math.min(MAX_ZOOM, scale));
  zoom.x = cx - ((cx - zoom.x) * next) / zoom.scale;
  zoom.y = cy - ((cy - zoom.y) * next) / zoom.scale;
  zoom.scale = next;
  if (next === 1) zoom.x = zoom.y = 0;
  applyZoom();
  saveState();
}

function panBy(dx, dy) {
  if (zoom.scale === 1) return;
  zoom.x += dx;
  zoom.y += dy;
  applyZoom();
}

function setupZoom() {
  const box = $("graph-box");
  box.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const rect = box.getBoundingClientRect();
      zoomTo(zoom.scale * Math.exp(-event.deltaY * 0.0015), event.clientX - rect.left, event.clientY - rect.top);
    },
    { passive: false },
  );
  let drag = null;
  box.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, moved: false };
  });
  box.addEventListener("pointermove", (event) => {
    if (drag === null || event.buttons === 0) return;
    const [dx, dy] = [event.clientX - drag.x, event.clientY - drag.y];
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (drag.moved) {
      panBy(dx, dy);
      drag.x = event.clientX;
      drag.y = event.clientY;
    }
  });
  box.addEventListener("pointerup", () => {
    if (drag && drag.moved) saveState();
    drag = null;
  });
  $("zoom-in").addEventListener("click", () => zoomTo(zoom.scale * 1.5));
  $("zoom-out").addEventListener("click", () => zoomTo(zoom.scale / 1.5));
  $("zoom-reset").addEventListener("click", () => zoomTo(1));
  applyZoom();
}

// -- the view in the URL fragment --------------------------------------------------
let saving = null;

function stateText() {
  const params = new URLSearchParams();
  params.set("t", String(Math.round(now)));
  if (focus && focus.type === "person") params.set("focus", `person:${nodes[focus.index].id}`);
  if (focus && focus.type === "item") params.set("focus", `item:${data.exposure[focus.index].item}`);
  const open = data.departments.filter((d) => nodes.length > FOLD_ABOVE && !folded.has(d.name));
  if (open.length) params.set("open", open.map((d) => d.name).join("|"));
  if (zoom.scale !== 1) params.set("zoom", [zoom.scale, zoom.x, zoom.y].map((n) => n.toFixed(2)).join(","));
  return params.toString();
}

function saveState() {
  if (playing !== null || !started) return;
  clearTimeout(saving);
  saving = setTimeout(() => history.replaceState(null, "", `#${stateText()}`), 150);
}

// Open the view a fragment names; returns false for a fragment that names none.
function loadState(hash) {
  if (!/^#(t|focus|open|zoom)=/.test(hash)) return false;
  const params = new URLSearchParams(hash.slice(1));
  if (params.has("open")) {
    for (const name of params.get("open").split("|")) folded.delete(name);
    rebuildView();
  }
  if (params.has("t") && Number.isFinite(Number(params.get("t")))) setTime(Number(params.get("t")));
  const [type, ...rest] = (params.get("focus") || "").split(":");
  const key = rest.join(":");
  if (type === "person" && byAddress.has(key)) setFocus({ type: "person", index: byAddress.get(key) });
  const item = data.exposure.findIndex((x) => x.item === key);
  if (type === "item" && item >= 0) setFocus({ type: "item", index: item });
  const [scale, x, y] = (params.get("zoom") || "").split(",").map(Number);
  if (scale > 0 && Number.isFinite(x) && Number.isFinite(y)) {
    Object.assign(zoom, { scale: Math.min(MAX_ZOOM, scale), x, y });
    applyZoom();
  }
  return true;
}

function timeChanged() {
  if (focus && focus.type === "item") refreshItemPanel();
  saveState();
}
