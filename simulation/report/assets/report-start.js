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

function renderUsage() {
  const usage = data.run.usage;
  const body = $("usage-body");
  if (!usage) {
    const row = el("tr");
    row.append(el("td", { colspan: "8" }, "not recorded for this run"));
    body.append(row);
    return;
  }
  const rows = [...Object.entries(usage.agents), ["total", usage.total]];
  for (const [agent, t] of rows) {
    const name = byAddress.has(agent) ? nodes[byAddress.get(agent)].name : agent;
    const cells = [name, t.calls, t.cached_calls, t.prompt_tokens, t.cached_prompt_tokens,
      t.cache_write_tokens, t.completion_tokens, t.cost === null ? "no price" : t.cost.toFixed(4)];
    const row = el("tr", agent === "total" ? { class: "total" } : {});
    for (const cell of cells) row.append(el("td", {}, typeof cell === "number" ? cell.toLocaleString("en") : cell));
    body.append(row);
  }
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
  renderUsage();
  window.addEventListener("hashchange", followHash);
  followHash();
  started = true;
  window.report = { setTime, setFocus, play, showEvent, zoomTo, toggleDepartment, exposure: data.exposure, stateText };
  document.body.dataset.ready = "1";
  document.body.dataset.startMs = (performance.now() - began).toFixed(1);
}

start();
