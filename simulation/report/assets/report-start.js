// Report page, part 8: the header and start-up.

// -- header and start-up -------------------------------------------------------
function renderHeader() {
  const run = data.run;
  $("title").textContent = visible(`${run.company}: ${run.scenario} · seed ${run.seed}`);
  const conditions = Object.entries(run.conditions).map(([k, v]) => `${k}=${v}`).join(", ") || "none";
  const subject = data.subject === null ? "none" : nodes[data.subject].name;
  const model = run.models && run.models.subject ? ` (${run.models.subject})` : "";
  const fork = run.fork ? ` · fork of ${run.fork.parent}, diverged at ${run.fork.at}` : "";
  $("meta").textContent = visible(`Run ${run.id} · ${run.status || "unknown status"}${fork} · conditions: ${conditions} · subject: ${subject}${model} · ${nodes.length} nodes, ${edges.length} edges, ${heldMessages.length} held messages`);
}

function followHash() {
  const match = /^#ev-(\d+)$/.exec(location.hash);
  if (match) showEvent(Number(match[1]));
  else loadState(location.hash);
}

function start() {
  const began = performance.now();
  renderHeader();
  renderResults();
  setupSlider();
  setupFilters();
  setupZoom();
  drawLegend();
  fillSelects();
  rebuildView();
  setTime(data.run.end);
  setFocus(null);
  setupTimeline();
  renderTranscript();
  renderVerdicts();
  window.addEventListener("hashchange", followHash);
  followHash();
  started = true;
  window.report = { setTime, setFocus, play, showEvent, zoomTo, toggleDepartment, exposure: data.exposure, stateText };
  document.body.dataset.ready = "1";
  document.body.dataset.startMs = (performance.now() - began).toFixed(1);
}

start();
