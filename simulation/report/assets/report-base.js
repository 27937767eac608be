// Report page, part 1: the embedded data, DOM helpers, time and names.
// The parts are joined in one strict function scope by simulation/report/run_page.py.
// Every piece of text from the run is written with textContent, never as markup, and
// through visible(): control and bidirectional-override characters show as escapes.

const SVG_NS = "http://www.w3.org/2000/svg";
const SIZE = 1000; // the graph's viewBox is SIZE x SIZE
const PAGE_SIZE = 100;
const LONG_TEXT = 20000; // characters of a long text shown before "show all"
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
let started = false; // set once the page has opened its first view
const radius = Math.max(4, Math.min(12, 120 / Math.sqrt(nodes.length + 1)));

// -- hostile text ----------------------------------------------------------
// C0 and C1 controls (but tab and newline), bidirectional embeddings, overrides and
// isolates, and invisible format characters: shown as ⟨U+XXXX⟩ so that no text from
// the run can reorder or hide the text around it.
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

function visible(text) {
  return String(text).replace(INVISIBLE, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}⟩`);
}

// Characters as people count them: a surrogate pair (an emoji) is one.
function charCount(text) {
  const pairs = text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g);
  return text.length - (pairs ? pairs.length : 0);
}

// Where to cut a text near `at` without splitting a surrogate pair.
function cutAt(text, at) {
  return at < text.length && /[\uD800-\uDBFF]/.test(text[at - 1]) ? at - 1 : Math.min(at, text.length);
}

// A text of any length: past LONG_TEXT characters, its start, its length and a button
// that shows the next LONG_TEXT characters, so no click ever lays out megabytes at once.
function longText(tag, attrs, text) {
  const full = String(text);
  if (full.length <= LONG_TEXT) return el(tag, attrs, full);
  const total = charCount(full);
  const box = el(tag, attrs);
  box.classList.add("long");
  let shown = 0;
  const rest = el("span", { class: "hint rest" });
  const more = el("button", { type: "button", class: "show-more" });
  const showNext = () => {
    const end = cutAt(full, shown + LONG_TEXT);
    box.insertBefore(el("span", { class: "chunk" }, full.slice(shown, end)), rest);
    shown = end;
    const left = charCount(full.slice(shown));
    rest.textContent = left ? ` … ${left.toLocaleString("en")} more of ${total.toLocaleString("en")} characters ` : "";
    more.textContent = `show ${Math.min(left, LONG_TEXT).toLocaleString("en")} more`;
    if (!left) more.remove();
  };
  more.addEventListener("click", (event) => {
    event.stopPropagation();
    showNext();
  });
  box.append(rest, more);
  showNext();
  return box;
}

// -- small DOM helpers ---------------------------------------------------
function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== null) node.textContent = visible(text);
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
