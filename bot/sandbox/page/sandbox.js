/* Tandem's offline sandbox page: a small Slack workspace drawn from the JSON API in
   /sandbox/api/* (see SANDBOX.md). Plain ES2020, no build step. Every piece of text from the
   server is put into the page as DOM text nodes, never as HTML. */
"use strict";

/* ============================================================ api */

const api = {
  /** POST JSON to a sandbox endpoint; always resolves to the answer object ({ok, error?, ...}). */
  async post(path, body) {
    try {
      const response = await fetch(`/sandbox/api/${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      let answer = {};
      try {
        answer = text ? JSON.parse(text) : {};
      } catch (_) {
        answer = { ok: false, error: text.slice(0, 200) };
      }
      if (!response.ok && answer.ok !== false) answer = { ...answer, ok: false };
      if (answer.ok === false && !answer.error && !answer.errors) {
        answer.error = `The sandbox answered ${response.status} to ${path}.`;
      }
      return answer;
    } catch (err) {
      return { ok: false, error: `Could not reach the sandbox (${err.message}).` };
    }
  },

  /** POST, and show the person the error if the sandbox refused. */
  async send(path, body) {
    const answer = await api.post(path, body);
    if (answer.ok === false && answer.error) toast(answer.error, "error");
    return answer;
  },
};

/* ============================================================ state */

const store = {
  get(key) {
    try {
      return localStorage.getItem(`tandem-sandbox.${key}`);
    } catch (_) {
      return null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(`tandem-sandbox.${key}`, value);
    } catch (_) {
      /* private mode: remembering is a nicety */
    }
  },
};

const S = {
  data: null, // the last state from the server
  version: 0,
  me: store.get("me") || "",
  // What the main pane shows: {kind: "channel", id} | {kind: "dm"} | {kind: "home"}.
  place: JSON.parse(store.get("place") || "null") || { kind: "channel", id: "" },
  thread: null, // {channel, ts} when the thread pane is open
  forms: new Map(), // view id -> {values: {block: {action: state}}, initials: {key: json}}
  submitErrors: new Map(), // view id -> {block_id: text} from the last submit's answer
  signatures: {}, // pane -> JSON of what it was last drawn from, to redraw only on change
  pollGeneration: 0,
  pollController: null,
};

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Ask for the state again at once (a new person, a reset): abandons the running long-poll. */
function refetch({ fresh = false } = {}) {
  if (fresh) S.version = 0;
  S.pollGeneration += 1;
  if (S.pollController) S.pollController.abort();
}

async function pollLoop() {
  for (;;) {
    const generation = S.pollGeneration;
    const controller = new AbortController();
    S.pollController = controller;
    const params = new URLSearchParams();
    if (S.me) params.set("as", S.me);
    if (S.version && S.data && S.data.me === S.me) params.set("since", String(S.version));
    try {
      const response = await fetch(`/sandbox/api/state?${params}`, { signal: controller.signal, cache: "no-store" });
      if (generation !== S.pollGeneration) continue;
      if (response.status === 204) continue; // the long-poll timed out: nothing changed
      if (!response.ok) throw new Error(`state answered ${response.status}`);
      const data = await response.json();
      if (generation !== S.pollGeneration) continue;
      applyState(data);
    } catch (err) {
      if (generation !== S.pollGeneration) continue; // aborted on purpose
      setOffline(true);
      await sleep(1000);
    }
  }
}

function applyState(data) {
  setOffline(false);
  S.data = data;
  S.version = data.version;
  const known = (data.people || []).some((p) => p.id === data.me);
  if (data.me && S.me !== data.me && (!S.me || !known)) S.me = data.me;
  if (!known && data.people && data.people.length && S.me !== data.people[0].id) {
    changePerson(data.people[0].id);
    return;
  }
  store.set("me", S.me);
  render();
  document.body.dataset.version = String(data.version);
}

function changePerson(userId) {
  S.me = userId;
  store.set("me", userId);
  S.thread = null;
  S.forms.clear();
  S.submitErrors.clear();
  S.signatures = {};
  closePopups();
  refetch({ fresh: true });
  if (S.place.kind === "home") api.send("home", { as: userId });
}

function choosePlace(place) {
  S.place = place;
  store.set("place", JSON.stringify(place));
  S.thread = null;
  closePopups();
  if (place.kind === "home") api.send("home", { as: S.me });
  render();
  if (place.kind !== "home") els.composer.focus();
}

/* Lookups into the state. */
function person(userId) {
  return (S.data && (S.data.people || []).find((p) => p.id === userId)) || null;
}
function userName(userId) {
  const p = person(userId);
  if (p) return p.real_name;
  const u = S.data && S.data.users && S.data.users[userId];
  return (u && (u.real_name || u.name)) || userId;
}
function viewerZone() {
  const p = person(S.me);
  return (p && p.tz) || (S.data && S.data.workspace && S.data.workspace.timezone) || "UTC";
}
function channelById(id) {
  return (S.data && (S.data.channels || []).find((c) => c.id === id)) || null;
}
function dmChannel() {
  return (S.data && (S.data.channels || []).find((c) => c.kind === "dm")) || null;
}
/** The channel the main pane shows, or null on App Home. */
function currentChannel() {
  if (!S.data) return null;
  if (S.place.kind === "dm") return dmChannel();
  if (S.place.kind === "home") return null;
  const found = channelById(S.place.id);
  if (found && found.kind !== "dm") return found;
  return (S.data.channels || []).find((c) => c.kind !== "dm") || null;
}
function messagesOf(channelId) {
  return (S.data && S.data.messages && S.data.messages[channelId]) || [];
}
function isApp(message) {
  if (message.bot_id) return true;
  const u = S.data && S.data.users && S.data.users[message.user];
  return Boolean(u && u.is_bot);
}

/* ============================================================ dom helpers */

/** Build an element: el("div", {class: "x", dataset: {...}, onclick}, child, "text", ...). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "testid") node.dataset.testid = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "value" || key === "checked" || key === "selected" || key === "disabled") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}
function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}
const $ = (selector) => document.querySelector(selector);

/* ============================================================ emoji */

const EMOJI = {
  tada: "🎉", white_check_mark: "✅", warning: "⚠️", x: "❌", rotating_light: "🚨",
  chart_with_upwards_trend: "📈", chart_with_downwards_trend: "📉", bar_chart: "📊", trophy: "🏆",
  star: "⭐", star2: "🌟", fire: "🔥", calendar: "📆", memo: "📝", pushpin: "📌", round_pushpin: "📍",
  bulb: "💡", eyes: "👀", raised_hands: "🙌", clap: "👏", rocket: "🚀", handshake: "🤝", moneybag: "💰",
  money_with_wings: "💸", briefcase: "💼", mega: "📣", loudspeaker: "📢", speech_balloon: "💬",
  thought_balloon: "💭", thumbsup: "👍", "+1": "👍", thumbsdown: "👎", "-1": "👎",
  heavy_check_mark: "✔️", hourglass: "⌛", hourglass_flowing_sand: "⏳", red_circle: "🔴",
  large_green_circle: "🟢", large_yellow_circle: "🟡", large_orange_circle: "🟠", large_blue_circle: "🔵",
  large_purple_circle: "🟣", white_circle: "⚪", black_circle: "⚫", arrow_up: "⬆️", arrow_down: "⬇️",
  arrow_right: "➡️", arrow_left: "⬅️", arrow_upper_right: "↗️", arrow_lower_right: "↘️",
  point_right: "👉", point_left: "👈", point_up: "☝️", point_down: "👇", sparkles: "✨", mag: "🔍",
  link: "🔗", bell: "🔔", no_bell: "🔕", new: "🆕", zap: "⚡", wave: "👋", busts_in_silhouette: "👥",
  bust_in_silhouette: "👤", date: "📅", spiral_calendar_pad: "🗓️", clipboard: "📋", inbox_tray: "📥",
  outbox_tray: "📤", email: "📧", envelope: "✉️", incoming_envelope: "📨", phone: "☎️",
  telephone_receiver: "📞", computer: "💻", gear: "⚙️", wrench: "🔧", hammer_and_wrench: "🛠️",
  lock: "🔒", key: "🔑", question: "❓", exclamation: "❗", heavy_plus_sign: "➕",
  heavy_minus_sign: "➖", no_entry: "⛔", no_entry_sign: "🚫", stop_sign: "🛑", construction: "🚧",
  muscle: "💪", pray: "🙏", smile: "😄", slightly_smiling_face: "🙂", blush: "😊", joy: "😂",
  thinking_face: "🤔", heart: "❤️", green_heart: "💚", blue_heart: "💙", purple_heart: "💜",
  "100": "💯", dart: "🎯", medal: "🏅", sports_medal: "🏅", first_place_medal: "🥇",
  second_place_medal: "🥈", third_place_medal: "🥉", crown: "👑", gift: "🎁", balloon: "🎈",
  confetti_ball: "🎊", champagne: "🍾", beers: "🍻", coffee: "☕", car: "🚗", airplane: "✈️",
  office: "🏢", house: "🏠", earth_africa: "🌍", globe_with_meridians: "🌐", newspaper: "📰",
  books: "📚", book: "📖", page_facing_up: "📄", page_with_curl: "📃", file_folder: "📁",
  open_file_folder: "📂", card_index: "📇", label: "🏷️", bookmark: "🔖", paperclip: "📎",
  pencil: "📝", pencil2: "✏️", scissors: "✂️", wastebasket: "🗑️", recycle: "♻️", repeat: "🔁",
  arrows_counterclockwise: "🔄", heavy_multiplication_x: "✖️", information_source: "ℹ️",
  grey_question: "❔", hand: "✋", raising_hand: "🙋", ok_hand: "👌", seedling: "🌱", herb: "🌿",
  sunny: "☀️", cloud: "☁️", umbrella: "☂️", snowflake: "❄️", alarm_clock: "⏰", stopwatch: "⏱️",
  watch: "⌚", clock9: "🕘", timer_clock: "⏲️", ticket: "🎫", admission_tickets: "🎟️",
  microphone: "🎤", studio_microphone: "🎙️", movie_camera: "🎥", camera: "📷", tv: "📺",
  iphone: "📱", satellite_antenna: "📡", shield: "🛡️", scales: "⚖️", package: "📦",
  shopping_trolley: "🛒", receipt: "🧾", heavy_dollar_sign: "💲", dollar: "💵", euro: "💶",
  pound: "💷", chart: "💹", ballot_box_with_check: "☑️", black_square_button: "🔲",
  white_square_button: "🔳", small_blue_diamond: "🔹", small_orange_diamond: "🔸",
  large_blue_diamond: "🔷", large_orange_diamond: "🔶", small_red_triangle: "🔺",
  small_red_triangle_down: "🔻", triangular_flag_on_post: "🚩", checkered_flag: "🏁",
  test_tube: "🧪", compass: "🧭", world_map: "🗺️", speaking_head_in_silhouette: "🗣️",
  writing_hand: "✍️", people_holding_hands: "🧑‍🤝‍🧑", mailbox: "📫", bookmark_tabs: "📑",
  ledger: "📒", notebook: "📓", spiral_note_pad: "🗒️", card_file_box: "🗃️", dividers: "🗂️",
  hourglass_done: "⌛", slightly_frowning_face: "🙁", skull: "💀", boom: "💥", sos: "🆘",
  up: "🆙", cool: "🆒", free: "🆓", ok: "🆗", top: "🔝", soon: "🔜", back: "🔙", end: "🔚",
};

function emoji(name) {
  const bare = name.replace(/::skin-tone-\d$/, "");
  return Object.prototype.hasOwnProperty.call(EMOJI, bare) ? EMOJI[bare] : null;
}

/** Plain text with :shortcodes: turned into emoji (plain_text objects with emoji: true). */
function withEmoji(text) {
  return String(text).replace(/:([a-z0-9_+'-]+):/g, (all, name) => emoji(name) || all);
}

/* ============================================================ dates */

const DATE_PARTS_CACHE = new Map();
/** The wall date and time of `date` in `zone`, as numbers. */
function zoned(date, zone) {
  let formatter = DATE_PARTS_CACHE.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric", weekday: "long", hourCycle: "h23",
    });
    DATE_PARTS_CACHE.set(zone, formatter);
  }
  const parts = {};
  for (const p of formatter.formatToParts(date)) parts[p.type] = p.value;
  return {
    year: +parts.year, month: +parts.month, day: +parts.day,
    hour: +parts.hour % 24, minute: +parts.minute, second: +parts.second, weekday: parts.weekday,
  };
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];

function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th"}`;
}

/** The sandbox's "now": the server's clock, which jumps; never the browser's. */
function sandboxNow() {
  const now = S.data && S.data.clock && Date.parse(S.data.clock.now);
  return Number.isFinite(now) ? new Date(now) : new Date();
}

/** Whole days from the sandbox's today to `date`'s day, both in the viewer's zone. */
function daysFromToday(date, zone) {
  const a = zoned(date, zone);
  const b = zoned(sandboxNow(), zone);
  return Math.round((Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(b.year, b.month - 1, b.day)) / 86400000);
}

/** People in American zones read 12-hour times, everyone else 24-hour (Slack follows each
    person's preference; the sandbox's people have none, so their zone stands in). */
function formatTime(date, zone, seconds = false) {
  const t = zoned(date, zone);
  const mm = String(t.minute).padStart(2, "0");
  const ss = seconds ? `:${String(t.second).padStart(2, "0")}` : "";
  if (zone.startsWith("America/")) {
    const h = t.hour % 12 || 12;
    return `${h}:${mm}${ss} ${t.hour < 12 ? "AM" : "PM"}`;
  }
  return `${String(t.hour).padStart(2, "0")}:${mm}${ss}`;
}

function prettyDay(date, zone) {
  const days = daysFromToday(date, zone);
  return { 0: "Today", [-1]: "Yesterday", 1: "Tomorrow" }[days] || null;
}

/** Slack's <!date^...> tokens, in the viewer's zone. */
function formatDateTokens(format, date, zone) {
  const t = zoned(date, zone);
  const month = MONTHS[t.month - 1];
  const dateLong = `${t.weekday}, ${month} ${ordinal(t.day)}, ${t.year}`;
  const dateMedium = `${month} ${ordinal(t.day)}, ${t.year}`;
  const dateShort = `${month.slice(0, 3)} ${t.day}, ${t.year}`;
  const pretty = prettyDay(date, zone);
  const sameYear = zoned(sandboxNow(), zone).year === t.year;
  const tokens = {
    date_num: `${t.year}-${String(t.month).padStart(2, "0")}-${String(t.day).padStart(2, "0")}`,
    date: dateMedium,
    date_short: dateShort,
    date_long: dateLong,
    date_pretty: pretty || dateMedium,
    date_short_pretty: pretty || dateShort,
    date_long_pretty: pretty || dateLong,
    time: formatTime(date, zone),
    time_secs: formatTime(date, zone, true),
    day_divider_pretty: pretty || (sameYear ? `${t.weekday}, ${month} ${ordinal(t.day)}` : dateLong),
  };
  return format.replace(/\{([a-z_]+)\}/g, (all, token) => (token in tokens ? tokens[token] : all));
}

function tsDate(ts) {
  return new Date(parseFloat(ts) * 1000);
}

/* ============================================================ mrkdwn */

/* Slack's formatting markers only count at word edges: "*bold*" but not "2*3*4", and never
   around spaces. Angle-bracket tokens and `code` take precedence over markers inside them. */
const INLINE_RULES = [
  { kind: "code", re: /`([^`\n]+)`/g },
  { kind: "token", re: /<([^<>\n]+)>/g },
  { kind: "bold", re: /(?<![\w*])\*(?![\s*])([^*\n]*?[^*\s])\*(?![\w*])/g },
  { kind: "italic", re: /(?<![\w_])_(?![\s_])([^_\n]*?[^_\s])_(?![\w_])/g },
  { kind: "strike", re: /(?<![\w~])~(?![\s~])([^~\n]*?[^~\s])~(?![\w~])/g },
  { kind: "emoji", re: /:([a-z0-9_+'-]+(?:::skin-tone-\d)?):/g },
];

function decodeEntities(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** Render a mrkdwn string into a container element (a <div class="mrkdwn">). */
function mrkdwn(text, { inline = false } = {}) {
  const root = el(inline ? "span" : "div", { class: "mrkdwn" });
  const source = String(text || "");
  // ``` blocks first: their content is shown as typed.
  const pieces = source.split(/```/);
  pieces.forEach((piece, index) => {
    if (index % 2 === 1 && index < pieces.length - 1) {
      root.append(el("pre", { class: "pre" }, decodeEntities(piece.replace(/^\n/, ""))));
    } else {
      let rest = index % 2 === 1 ? "```" + piece : piece; // an unclosed fence is text
      // The line breaks next to a fence belong to the fence, not to the text around it.
      if (index > 0) rest = rest.replace(/^\n/, "");
      if (index < pieces.length - 1) rest = rest.replace(/\n$/, "");
      appendLines(root, rest);
    }
  });
  return root;
}

/** Lines: runs starting with ">" (or &gt;) become one quote; others text with line breaks. */
function appendLines(root, text) {
  if (!text) return;
  const lines = text.split("\n");
  let quote = null;
  let first = true;
  for (const line of lines) {
    const quoted = /^(>|&gt;)\s?/.exec(line);
    if (quoted) {
      if (!quote) {
        quote = el("blockquote", { class: "quote" });
        root.append(quote);
      } else {
        quote.append(el("br"));
      }
      append(quote, inlineNodes(line.slice(quoted[0].length)));
      first = true;
      continue;
    }
    if (quote) {
      quote = null;
      first = true;
      if (line === "") continue;
    }
    if (!first) root.append(el("br"));
    append(root, inlineNodes(line));
    first = false;
  }
}

function inlineNodes(text) {
  const out = [];
  let at = 0;
  while (at < text.length) {
    let best = null;
    for (const rule of INLINE_RULES) {
      rule.re.lastIndex = at;
      const m = rule.re.exec(text);
      if (m && (!best || m.index < best.m.index)) best = { rule, m };
    }
    if (!best) break;
    const { rule, m } = best;
    if (m.index > at) out.push(decodeEntities(text.slice(at, m.index)));
    const inner = m[1];
    if (rule.kind === "emoji") {
      const shown = emoji(inner);
      if (!shown) {
        // Not an emoji we know: keep the text, and let the closing colon start another.
        out.push(text.slice(m.index, m.index + 1 + inner.length));
        at = m.index + 1 + inner.length;
        continue;
      }
      out.push(el("span", { class: "emoji", title: `:${inner}:` }, shown));
    } else if (rule.kind === "code") {
      out.push(el("code", {}, decodeEntities(inner)));
    } else if (rule.kind === "token") {
      out.push(angleToken(inner));
    } else {
      const tag = { bold: "b", italic: "i", strike: "s" }[rule.kind];
      out.push(el(tag, {}, inlineNodes(inner)));
    }
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(decodeEntities(text.slice(at)));
  return out;
}

function mentionPill(label, { self = false, title } = {}) {
  return el("span", { class: `mention${self ? " self" : ""}`, title }, label);
}

function channelLink(channelId, fallbackName) {
  const channel = channelById(channelId);
  const name = (channel && channel.name) || fallbackName || channelId;
  if (!channel || channel.kind === "dm") return el("span", { class: "mention channel" }, `#${name}`);
  return el("a", {
    class: "mention channel", href: "#", onclick: (event) => {
      event.preventDefault();
      choosePlace({ kind: "channel", id: channel.id });
    },
  }, `#${name}`);
}

function safeUrl(url) {
  return /^(https?:|mailto:|\/sandbox\/)/i.test(url) ? url : null;
}

function externalLink(url, label) {
  const safe = safeUrl(url);
  if (!safe) return document.createTextNode(label === url ? `<${url}>` : label);
  return el("a", { href: safe, target: "_blank", rel: "noopener noreferrer" }, label);
}

/** One <...> token of mrkdwn: a mention, channel, user group, special mention, date or link. */
function angleToken(body) {
  const bar = body.indexOf("|");
  const head = bar < 0 ? body : body.slice(0, bar);
  const label = bar < 0 ? null : decodeEntities(body.slice(bar + 1));
  if (head.startsWith("@")) {
    const id = head.slice(1);
    const known = S.data && ((S.data.users && S.data.users[id]) || person(id));
    const name = known ? userName(id) : label || id;
    return mentionPill(`@${name}`, { self: id === S.me, title: id });
  }
  if (head.startsWith("#")) return channelLink(head.slice(1), label);
  if (head.startsWith("!subteam^")) {
    const id = head.slice("!subteam^".length);
    const handle = label || `@${(S.data && S.data.usergroups && S.data.usergroups[id]) || id}`;
    return mentionPill(handle.startsWith("@") ? handle : `@${handle}`);
  }
  if (head.startsWith("!date^")) return dateToken(head, label);
  if (/^!(here|channel|everyone)$/.test(head)) return mentionPill(`@${head.slice(1)}`, { self: true });
  if (head.startsWith("!")) return document.createTextNode(label || `<${head}>`);
  const url = decodeEntities(head);
  return externalLink(url, label || url);
}

/** <!date^1700000000^{date_short_pretty} at {time}^optional_link|fallback> */
function dateToken(head, fallback) {
  const [, ts, format, link] = head.split("^");
  const seconds = Number(ts);
  if (!Number.isFinite(seconds) || !format) return document.createTextNode(fallback || head);
  const shown = formatDateTokens(decodeEntities(format), new Date(seconds * 1000), viewerZone());
  const node = link ? externalLink(decodeEntities(link), shown) : el("span", { class: "date" }, shown);
  node.title = fallback || "";
  return node;
}

/** A text object ({type: "plain_text"|"mrkdwn", text}) as a node. */
function textObject(obj, { inline = false } = {}) {
  if (!obj) return null;
  if (typeof obj === "string") return mrkdwn(obj, { inline });
  if (obj.type === "mrkdwn") return mrkdwn(obj.text, { inline });
  const text = obj.emoji === false ? obj.text : withEmoji(obj.text || "");
  return el(inline ? "span" : "div", { class: "plain" }, text);
}

/** A text object as a plain string (for <option>, labels, titles). */
function plainText(obj) {
  if (!obj) return "";
  if (typeof obj === "string") return obj;
  return obj.type === "mrkdwn" ? decodeEntities(obj.text || "") : withEmoji(obj.text || "");
}

/* ============================================================ forms (input values of a view) */

/* A view's state is kept per view id, in Slack's state.values shape, for as long as the same view
   is open. A view update keeps what was typed unless the element's own initial value changed,
   which is what Slack does when an app calls views.update with a new initial value. */
function formOf(viewId) {
  if (!S.forms.has(viewId)) S.forms.set(viewId, { values: {}, initials: {} });
  return S.forms.get(viewId);
}

const INITIAL_KEYS = ["initial_value", "initial_option", "initial_options", "initial_user", "initial_users",
  "initial_conversation", "initial_conversations", "initial_channel", "initial_channels", "initial_date",
  "initial_time", "initial_date_time"];

/** The element's starting state, as Slack reports it in state.values. */
function initialState(element, context) {
  const type = element.type;
  const state = { type };
  switch (type) {
    case "plain_text_input": case "url_text_input": case "email_text_input": case "number_input":
      state.value = element.initial_value != null && element.initial_value !== "" ? String(element.initial_value) : null;
      break;
    case "static_select": case "radio_buttons": case "external_select":
      state.selected_option = element.initial_option || null;
      break;
    case "multi_static_select": case "checkboxes": case "multi_external_select":
      state.selected_options = element.initial_options || [];
      break;
    case "users_select": state.selected_user = element.initial_user || null; break;
    case "multi_users_select": state.selected_users = element.initial_users || []; break;
    case "conversations_select":
      // Slack quirk: default_to_current_conversation preselects where the person was when it opened.
      state.selected_conversation = element.initial_conversation
        || (element.default_to_current_conversation && context.here) || null;
      break;
    case "multi_conversations_select":
      state.selected_conversations = element.initial_conversations
        || (element.default_to_current_conversation && context.here ? [context.here] : []);
      break;
    case "channels_select": state.selected_channel = element.initial_channel || null; break;
    case "multi_channels_select": state.selected_channels = element.initial_channels || []; break;
    case "datepicker": state.selected_date = element.initial_date || null; break;
    case "timepicker": state.selected_time = element.initial_time || null; break;
    case "datetimepicker": state.selected_date_time = element.initial_date_time || null; break;
    default: return null;
  }
  return state;
}

/** The state of an element in a view: what was typed, or its initial value (remembered). */
function fieldState(form, blockId, element, context) {
  const key = `${blockId}\u0000${element.action_id}`;
  const initial = JSON.stringify(INITIAL_KEYS.map((k) => element[k]));
  form.values[blockId] = form.values[blockId] || {};
  if (!(element.action_id in form.values[blockId]) || form.initials[key] !== initial) {
    form.values[blockId][element.action_id] = initialState(element, context);
    form.initials[key] = initial;
  }
  return form.values[blockId][element.action_id];
}

function setField(form, blockId, actionId, changes) {
  if (!form) return;
  form.values[blockId] = form.values[blockId] || {};
  form.values[blockId][actionId] = { ...(form.values[blockId][actionId] || {}), ...changes };
}

/** state.values for a view: only its current blocks' elements that keep state. */
function valuesOf(view) {
  const form = formOf(view.id);
  const values = {};
  (view.blocks || []).forEach((block, index) => {
    const blockId = block.block_id || autoBlockId(block, index);
    const elements = block.type === "input" ? [block.element]
      : block.type === "actions" ? block.elements || []
      : block.type === "section" && block.accessory ? [block.accessory] : [];
    for (const element of elements) {
      if (!element || !element.action_id) continue;
      const kept = form.values[blockId] && form.values[blockId][element.action_id];
      if (kept) {
        values[blockId] = values[blockId] || {};
        values[blockId][element.action_id] = kept;
      }
    }
  });
  return values;
}

/* Slack fills in a block_id when the app leaves it out; so do we, stably by position. */
function autoBlockId(block, index) {
  return block.block_id || `sandbox-${block.type}-${index}`;
}

/* ============================================================ blocks */

/* A context says where the blocks are shown, so elements know what to send when used:
   {surface: "message"|"modal"|"home", channel, message_ts, view, form, here}. */

function renderBlocks(blocks, context) {
  const wrap = el("div", { class: "blocks" });
  (blocks || []).forEach((block, index) => {
    const blockId = autoBlockId(block, index);
    let node;
    try {
      node = renderBlock(block, blockId, context);
    } catch (err) {
      console.error("block failed to render", block, err);
      node = unsupported(`${block.type} (${err.message})`);
    }
    node.dataset.blockId = blockId;
    node.classList.add("block", `block-${block.type}`);
    wrap.append(node);
  });
  return wrap;
}

function unsupported(type) {
  return el("div", { class: "unsupported" }, `[unsupported block: ${type}]`);
}

function renderBlock(block, blockId, context) {
  switch (block.type) {
    case "header":
      return el("div", { class: "bk-header" }, plainText(block.text));
    case "divider":
      return el("div", {}, el("hr"));
    case "section":
      return sectionBlock(block, blockId, context);
    case "context":
      return el("div", { class: "bk-context" }, (block.elements || []).map((item) => (item.type === "image"
        ? el("img", { class: "ctx-img", src: safeUrl(item.image_url) || "", alt: item.alt_text || "" })
        : textObject(item, { inline: true }))));
    case "actions":
      return el("div", { class: "bk-actions" }, (block.elements || []).map((element) =>
        renderElement(element, blockId, context, { dispatch: true })));
    case "input":
      return inputBlock(block, blockId, context);
    case "image":
      return el("figure", { class: "bk-image" },
        block.title ? el("figcaption", {}, plainText(block.title)) : null,
        el("img", { src: safeUrl(block.image_url || "") || "", alt: block.alt_text || "", loading: "lazy" }));
    case "table":
      return tableBlock(block);
    case "rich_text":
      return richText(block);
    default:
      return unsupported(block.type);
  }
}

function sectionBlock(block, blockId, context) {
  const body = el("div", { class: "bk-section-body" });
  if (block.text) body.append(textObject(block.text));
  if (block.fields && block.fields.length) {
    body.append(el("div", { class: "bk-fields" }, block.fields.map((f) => el("div", { class: "bk-field" }, textObject(f)))));
  }
  const node = el("div", { class: "bk-section" }, body);
  if (block.accessory) {
    node.append(el("div", { class: "bk-accessory" }, block.accessory.type === "image"
      ? el("img", { class: "acc-img", src: safeUrl(block.accessory.image_url) || "", alt: block.accessory.alt_text || "" })
      : renderElement(block.accessory, blockId, context, { dispatch: true })));
  }
  return node;
}

function inputBlock(block, blockId, context) {
  const inputId = `in-${blockId}-${(block.element && block.element.action_id) || "x"}`.replace(/[^\w-]/g, "_");
  const errors = context.errors || {};
  const node = el("div", { class: `bk-input${errors[blockId] ? " has-error" : ""}` },
    el("label", { class: "bk-label", for: inputId }, plainText(block.label),
      block.optional ? el("span", { class: "optional" }, " (optional)") : null),
    renderElement(block.element || {}, blockId, context, { dispatch: Boolean(block.dispatch_action), id: inputId }),
    block.hint ? el("div", { class: "bk-hint" }, plainText(block.hint)) : null,
    errors[blockId] ? el("div", { class: "field-error", testid: "field-error", role: "alert" }, errors[blockId]) : null);
  return node;
}

function tableBlock(block) {
  const settings = block.column_settings || [];
  const rows = block.rows || [];
  const cell = (tag, value, col) => {
    const s = settings[col] || {};
    const content = value && value.type === "rich_text" ? richText(value, { inline: true })
      : value && value.type === "raw_text" ? String(value.text ?? "")
      : value && value.text !== undefined ? textObject(value, { inline: true }) : "";
    return el(tag, { class: `align-${s.align || "left"}${s.is_wrapped ? " wrap" : " nowrap"}` }, content);
  };
  // Slack draws the first row as the table's header.
  const head = rows.length ? el("thead", {}, el("tr", {}, rows[0].map((v, i) => cell("th", v, i)))) : null;
  const body = el("tbody", {}, rows.slice(1).map((row) => el("tr", {}, row.map((v, i) => cell("td", v, i)))));
  return el("div", { class: "bk-table" }, el("table", {}, head, body));
}

/* ---------- rich_text */

function richText(block, { inline = false } = {}) {
  const root = el(inline ? "span" : "div", { class: "rich-text" });
  for (const part of block.elements || []) root.append(richPart(part));
  return root;
}

function richPart(part) {
  switch (part.type) {
    case "rich_text_section":
      return el("span", { class: "rt-section" }, richInline(part.elements || []));
    case "rich_text_list": {
      const list = el(part.style === "ordered" ? "ol" : "ul", {
        class: `rt-list indent-${part.indent || 0}`, start: part.offset ? part.offset + 1 : null,
      });
      for (const item of part.elements || []) list.append(el("li", {}, richPart(item)));
      return list;
    }
    case "rich_text_preformatted":
      return el("pre", { class: "pre" }, richInline(part.elements || [], { plain: true }));
    case "rich_text_quote":
      return el("blockquote", { class: "quote" }, richInline(part.elements || []));
    default:
      return el("span", { class: "unsupported" }, `[unsupported rich text: ${part.type}]`);
  }
}

function styled(node, style, plain) {
  if (!style || plain) return node;
  let out = node;
  if (style.code) out = el("code", {}, out);
  if (style.bold) out = el("b", {}, out);
  if (style.italic) out = el("i", {}, out);
  if (style.strike) out = el("s", {}, out);
  return out;
}

function richInline(elements, { plain = false } = {}) {
  const out = [];
  for (const item of elements) {
    let node;
    switch (item.type) {
      case "text": {
        // Newlines inside rich text sections are line breaks.
        const lines = String(item.text || "").split("\n");
        node = el("span", {}, lines.map((line, i) => (i ? [el("br"), line] : line)));
        break;
      }
      case "link":
        node = externalLink(item.url || "", item.text || item.url || "");
        break;
      case "user":
        node = mentionPill(`@${userName(item.user_id)}`, { self: item.user_id === S.me });
        break;
      case "channel":
        node = channelLink(item.channel_id);
        break;
      case "usergroup":
        node = mentionPill(`@${(S.data && S.data.usergroups && S.data.usergroups[item.usergroup_id]) || item.usergroup_id}`);
        break;
      case "broadcast":
        node = mentionPill(`@${item.range}`, { self: true });
        break;
      case "emoji":
        node = el("span", { class: "emoji", title: `:${item.name}:` },
          emoji(item.name) || (item.unicode ? String.fromCodePoint(...item.unicode.split("-").map((h) => parseInt(h, 16))) : `:${item.name}:`));
        break;
      case "date":
        node = el("span", { class: "date", title: item.fallback || "" },
          formatDateTokens(item.format || "{date_short_pretty}", new Date(item.timestamp * 1000), viewerZone()));
        break;
      default:
        node = el("span", { class: "unsupported" }, `[${item.type}]`);
    }
    out.push(styled(node, item.style, plain));
  }
  return out;
}

/* ---------- elements */

/** Options shown for a select: its own, or people / conversations for the dynamic kinds. */
function optionsFor(element) {
  const type = element.type;
  if (type.includes("users_select")) {
    return (S.data.people || []).map((p) => ({ value: p.id, label: p.real_name }));
  }
  if (type.includes("conversations_select") || type.includes("channels_select")) {
    const include = (element.filter && element.filter.include) || null;
    return (S.data.channels || [])
      .filter((c) => c.kind !== "dm" || (type.includes("conversations") && (!include || include.includes("im"))))
      .map((c) => ({ value: c.id, label: c.kind === "dm" ? c.name : `# ${c.name}` }));
  }
  return null;
}

function staticOptions(element) {
  if (element.option_groups) {
    return element.option_groups.flatMap((g) => (g.options || []).map((o) => ({ ...o, group: plainText(g.label) })));
  }
  return element.options || [];
}

function selectedKey(type) {
  return {
    users_select: "selected_user", multi_users_select: "selected_users",
    conversations_select: "selected_conversation", multi_conversations_select: "selected_conversations",
    channels_select: "selected_channel", multi_channels_select: "selected_channels",
  }[type];
}

/** Send an element's action: from a message with its ts, from a view with the view's state. */
async function dispatchAction(action, context) {
  const body = { as: S.me, action };
  if (context.surface === "message") {
    body.channel = context.channel;
    body.message_ts = context.message_ts;
  } else {
    body.view_id = context.view.id;
    body.values = valuesOf(context.view);
  }
  return api.send("action", body);
}

function renderElement(element, blockId, context, { dispatch = false, id } = {}) {
  const actionId = element.action_id;
  const type = element.type;
  const inView = context.surface !== "message";
  const form = inView ? formOf(context.view.id) : null;
  const state = inView && actionId ? fieldState(form, blockId, element, context) : initialState(element, context);
  const base = { dataset: { actionId: actionId || "" }, id };
  const placeholder = element.placeholder ? plainText(element.placeholder) : "";
  const act = (fields) => dispatch && dispatchAction({ type, action_id: actionId, block_id: blockId, ...fields }, context);

  switch (type) {
    case "button": {
      const label = plainText(element.text);
      return el("button", {
        ...base, type: "button", class: `bk-btn${element.style ? ` ${element.style}` : ""}`,
        onclick: async (event) => {
          const button = event.currentTarget;
          if (element.confirm && !(await confirmDialog(element.confirm))) return;
          if (element.url && safeUrl(element.url)) window.open(element.url, "_blank", "noopener");
          button.disabled = true;
          await dispatchAction({ type: "button", action_id: actionId, block_id: blockId, value: element.value }, context);
          button.disabled = false;
        },
      }, label);
    }

    case "overflow":
      return overflowMenu(element, blockId, context);

    case "static_select": case "external_select": {
      const options = staticOptions(element);
      const current = state && state.selected_option ? state.selected_option.value : "";
      const select = el("select", { ...base, class: "bk-select" },
        el("option", { value: "", disabled: true, selected: !current }, placeholder || "Select an item"));
      const groups = new Map();
      for (const option of options) {
        const node = el("option", { value: option.value, selected: option.value === current }, plainText(option.text));
        if (option.group) {
          if (!groups.has(option.group)) {
            groups.set(option.group, el("optgroup", { label: option.group }));
            select.append(groups.get(option.group));
          }
          groups.get(option.group).append(node);
        } else select.append(node);
      }
      select.addEventListener("change", async () => {
        const option = options.find((o) => o.value === select.value);
        const chosen = option ? { text: option.text, value: option.value } : null;
        setField(form, blockId, actionId, { selected_option: chosen });
        if (chosen && element.confirm && !(await confirmDialog(element.confirm))) return;
        if (chosen) act({ selected_option: chosen });
      });
      return select;
    }

    case "users_select": case "conversations_select": case "channels_select": {
      const key = selectedKey(type);
      const current = (state && state[key]) || "";
      const select = el("select", { ...base, class: "bk-select" },
        el("option", { value: "", disabled: !inView, selected: !current },
          placeholder || (type === "users_select" ? "Select a person" : "Select a channel")),
        optionsFor(element).map((o) => el("option", { value: o.value, selected: o.value === current }, o.label)));
      select.addEventListener("change", () => {
        setField(form, blockId, actionId, { [key]: select.value || null });
        if (select.value) act({ [key]: select.value });
      });
      return select;
    }

    case "multi_static_select": case "multi_users_select": case "multi_conversations_select":
    case "multi_channels_select": case "multi_external_select":
      return multiSelect(element, blockId, state, form, base, placeholder, act);

    case "datepicker": {
      const input = el("input", { ...base, type: "date", class: "bk-date", value: (state && state.selected_date) || "" });
      input.addEventListener("change", () => {
        setField(form, blockId, actionId, { selected_date: input.value || null });
        if (input.value) act({ selected_date: input.value });
      });
      return input;
    }

    case "timepicker": {
      const input = el("input", { ...base, type: "time", class: "bk-time", value: (state && state.selected_time) || "" });
      input.addEventListener("change", () => {
        setField(form, blockId, actionId, { selected_time: input.value || null });
        if (input.value) act({ selected_time: input.value });
      });
      return input;
    }

    case "checkboxes": case "radio_buttons":
      return choiceList(element, blockId, state, form, base, act, context);

    case "plain_text_input": case "url_text_input": case "email_text_input": case "number_input":
      return textInput(element, blockId, state, form, base, placeholder);

    case "image":
      return el("img", { class: "acc-img", src: safeUrl(element.image_url) || "", alt: element.alt_text || "" });

    default:
      return el("span", { class: "unsupported" }, `[unsupported element: ${type}]`);
  }
}

function textInput(element, blockId, state, form, base, placeholder) {
  const common = {
    ...base, class: "bk-text", placeholder,
    maxlength: element.max_length || null, minlength: element.min_length || null,
  };
  let input;
  if (element.type === "plain_text_input" && element.multiline) {
    input = el("textarea", { ...common, rows: 4 });
    input.value = (state && state.value) || "";
  } else {
    const kind = { url_text_input: "url", email_text_input: "email", number_input: "text" }[element.type] || "text";
    input = el("input", {
      ...common, type: kind, value: (state && state.value) || "",
      inputmode: element.type === "number_input" ? (element.is_decimal_allowed ? "decimal" : "numeric") : null,
    });
  }
  input.addEventListener("input", () => {
    setField(form, blockId, element.action_id, { value: input.value === "" ? null : input.value });
  });
  return input;
}

function choiceList(element, blockId, state, form, base, act, context) {
  const multiple = element.type === "checkboxes";
  const chosen = new Set(multiple
    ? ((state && state.selected_options) || []).map((o) => o.value)
    : state && state.selected_option ? [state.selected_option.value] : []);
  const name = `${context.view ? context.view.id : context.message_ts}-${blockId}-${element.action_id}`;
  const wrap = el("div", { ...base, class: "bk-choices", role: multiple ? "group" : "radiogroup" });
  const options = element.options || [];
  const inputs = options.map((option) => {
    const input = el("input", { type: multiple ? "checkbox" : "radio", name, value: option.value, checked: chosen.has(option.value) });
    wrap.append(el("label", { class: "bk-choice" }, input,
      el("span", {}, textObject(option.text, { inline: true }),
        option.description ? el("span", { class: "choice-desc" }, plainText(option.description)) : null)));
    return input;
  });
  wrap.addEventListener("change", () => {
    const picked = options.filter((o, i) => inputs[i].checked).map((o) => ({ text: o.text, value: o.value, ...(o.description ? { description: o.description } : {}) }));
    if (multiple) {
      setField(form, blockId, element.action_id, { selected_options: picked });
      act({ selected_options: picked });
    } else {
      setField(form, blockId, element.action_id, { selected_option: picked[0] || null });
      if (picked[0]) act({ selected_option: picked[0] });
    }
  });
  return wrap;
}

/** Multi-selects: chosen items as removable chips, and a select to add one more. */
function multiSelect(element, blockId, state, form, base, placeholder, act) {
  const isStatic = element.type.includes("static") || element.type.includes("external");
  const key = isStatic ? "selected_options" : `${selectedKey(element.type.replace("multi_", ""))}s`;
  const options = isStatic
    ? staticOptions(element).map((o) => ({ value: o.value, label: plainText(o.text), option: { text: o.text, value: o.value } }))
    : optionsFor(element);
  let chosen = isStatic ? ((state && state[key]) || []).map((o) => o.value) : [...((state && state[key]) || [])];
  const wrap = el("div", { ...base, class: "bk-multi" });
  const chips = el("div", { class: "chips" });
  const adder = el("select", { class: "bk-select", "aria-label": placeholder || "Add" });
  const save = () => {
    const value = isStatic ? chosen.map((v) => options.find((o) => o.value === v)).filter(Boolean).map((o) => o.option) : chosen;
    setField(form, blockId, element.action_id, { [key]: value });
    act({ [key]: value });
    draw();
  };
  const draw = () => {
    clear(chips);
    for (const value of chosen) {
      const option = options.find((o) => o.value === value);
      chips.append(el("span", { class: "chip" }, option ? option.label : value,
        el("button", { type: "button", class: "chip-x", "aria-label": `Remove ${option ? option.label : value}`, onclick: () => {
          chosen = chosen.filter((v) => v !== value);
          save();
        } }, "×")));
    }
    clear(adder);
    adder.append(el("option", { value: "", selected: true }, chosen.length ? "Add…" : placeholder || "Select items"));
    for (const option of options) if (!chosen.includes(option.value)) adder.append(el("option", { value: option.value }, option.label));
  };
  adder.addEventListener("change", () => {
    if (!adder.value) return;
    if (element.max_selected_items && chosen.length >= element.max_selected_items) {
      toast(`You can choose at most ${element.max_selected_items}.`, "error");
      draw();
      return;
    }
    chosen = [...chosen, adder.value];
    save();
  });
  draw();
  wrap.append(chips, adder);
  return wrap;
}

function overflowMenu(element, blockId, context) {
  const button = el("button", {
    type: "button", class: "bk-overflow", dataset: { actionId: element.action_id }, "aria-label": "More actions",
    "aria-haspopup": "menu",
  }, "⋯");
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    openPopup(button, (element.options || []).map((option) => ({
      label: plainText(option.text),
      run: async () => {
        if (element.confirm && !(await confirmDialog(element.confirm))) return;
        if (option.url && safeUrl(option.url)) window.open(option.url, "_blank", "noopener");
        dispatchAction({
          type: "overflow", action_id: element.action_id, block_id: blockId,
          selected_option: { text: option.text, value: option.value },
        }, context);
      },
    })));
  });
  return button;
}

/* ============================================================ popups, dialogs, toasts */

let openMenu = null;

function closePopups() {
  if (openMenu) openMenu.remove();
  openMenu = null;
}

/** A small menu next to `anchor`: items {label, hint?, testid?, run}. */
function openPopup(anchor, items, { testid = "popup-menu", title, align = "right" } = {}) {
  closePopups();
  const menu = el("div", { class: "popup", role: "menu", testid },
    title ? el("div", { class: "popup-title" }, title) : null,
    items.map((item) => el("button", {
      type: "button", role: "menuitem", class: "popup-item", testid: item.testid,
      dataset: item.dataset || {},
      onclick: (event) => {
        event.stopPropagation();
        closePopups();
        item.run();
      },
    }, el("span", { class: "popup-label" }, item.label), item.hint ? el("span", { class: "popup-hint" }, item.hint) : null)));
  document.body.append(menu);
  const box = anchor.getBoundingClientRect();
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  let left = Math.min(align === "left" ? box.left : box.right - width, window.innerWidth - width - 8);
  left = Math.max(8, left);
  let top = box.bottom + 4;
  if (top + height > window.innerHeight - 8) top = Math.max(8, box.top - height - 4);
  menu.style.left = `${left}px`;
  menu.style.top = `${top}px`;
  openMenu = menu;
  const first = menu.querySelector("button");
  if (first) first.focus();
}

/** Slack's confirm object as a small dialog; resolves true when confirmed. */
function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    const done = (answer) => {
      overlay.remove();
      document.removeEventListener("keydown", onKey, true);
      if (previous && previous.focus) previous.focus();
      resolve(answer);
    };
    const onKey = (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        done(false);
      }
    };
    const style = confirm.style === "danger" ? "danger" : "primary";
    const overlay = el("div", { class: "overlay confirm-overlay" },
      el("div", { class: "dialog", role: "alertdialog", "aria-modal": "true", testid: "confirm-dialog" },
        el("h2", { class: "dialog-title" }, plainText(confirm.title) || "Are you sure?"),
        el("div", { class: "dialog-body" }, textObject(confirm.text)),
        el("div", { class: "dialog-footer" },
          el("button", { type: "button", class: "bk-btn", testid: "confirm-no", onclick: () => done(false) }, plainText(confirm.deny) || "Cancel"),
          el("button", { type: "button", class: `bk-btn ${style}`, testid: "confirm-yes", onclick: () => done(true) }, plainText(confirm.confirm) || "Yes"))));
    document.addEventListener("keydown", onKey, true);
    document.body.append(overlay);
    overlay.querySelector("[data-testid=confirm-yes]").focus();
  });
}

function toast(text, kind = "info") {
  const node = el("div", { class: `toast ${kind}`, testid: "toast", role: kind === "error" ? "alert" : "status" },
    el("div", { class: "toast-text" }, text),
    el("button", { type: "button", class: "toast-x", "aria-label": "Dismiss", onclick: () => node.remove() }, "×"));
  const shelf = $("#toasts");
  shelf.append(node);
  while (shelf.children.length > 4) shelf.firstElementChild.remove(); // the oldest make room
  setTimeout(() => node.remove(), kind === "error" ? 10000 : 7000);
  return node;
}

function setOffline(offline) {
  document.body.classList.toggle("offline", offline);
}

/* ============================================================ views */

const els = {};

function render() {
  if (!S.data) return;
  document.title = "Tandem sandbox";
  renderTopBar();
  renderSidebar();
  renderMain();
  renderThread();
  renderModal();
  renderComposerState();
}

/** Redraw a pane only when what it is drawn from changed, so open menus and focus survive. */
function changed(pane, parts) {
  const signature = JSON.stringify(parts);
  if (S.signatures[pane] === signature) return false;
  S.signatures[pane] = signature;
  return true;
}

function renderTopBar() {
  const people = S.data.people || [];
  if (!changed("people", [people, S.me])) return;
  const picker = els.picker;
  clear(picker);
  for (const p of people) {
    const team = p.team ? p.team[0].toUpperCase() + p.team.slice(1) : "";
    picker.append(el("option", { value: p.id, selected: p.id === S.me },
      `${p.real_name} — ${p.title}${team ? ` · ${team}` : ""}${p.admin ? " ★ admin" : ""}`));
  }
  picker.value = S.me;
  const me = person(S.me);
  clear(els.meAvatar).append(me ? avatar(me.id, me.real_name, false) : "");
}

function renderSidebar() {
  const d = S.data;
  const current = currentChannel();
  const where = S.place.kind === "home" ? "home" : current && current.id;
  $("#workspace-name").textContent = (d.workspace && d.workspace.name) || "Sandbox";
  renderClock();
  if (!changed("sidebar", [d.channels, where, d.me])) return;
  const list = clear(els.channels);
  for (const channel of (d.channels || []).filter((c) => c.kind !== "dm")) {
    list.append(el("li", {}, el("button", {
      type: "button", class: `side-item${where === channel.id ? " active" : ""}`, testid: `channel-${channel.name}`,
      "aria-current": where === channel.id ? "page" : null,
      onclick: () => choosePlace({ kind: "channel", id: channel.id }),
    }, el("span", { class: "side-icon" }, "#"), el("span", {}, channel.name))));
  }
  const dm = dmChannel();
  const dms = clear(els.dms);
  dms.append(el("li", {}, el("button", {
    type: "button", class: `side-item${dm && where === dm.id ? " active" : ""}`, testid: "dm-tandem",
    onclick: () => choosePlace({ kind: "dm" }),
  }, el("span", { class: "side-avatar app" }, "T"), el("span", {}, (dm && dm.name) || "Tandem"), el("span", { class: "presence" }))));
  const apps = clear(els.apps);
  apps.append(el("li", {}, el("button", {
    type: "button", class: `side-item${where === "home" ? " active" : ""}`, testid: "app-home",
    onclick: () => choosePlace({ kind: "home" }),
  }, el("span", { class: "side-avatar app" }, "T"), el("span", {}, "App Home"))));
}

function renderClock() {
  const clock = S.data.clock || {};
  if (!changed("clock", clock)) return;
  $("[data-testid=clock]").textContent = clock.label || "";
  const jumps = clear($("#jumps"));
  for (const jump of clock.jumps || []) {
    jumps.append(el("button", { type: "button", class: "jump", testid: "jump", dataset: { to: jump.to }, title: `Jump to ${jump.to}`, onclick: () => jumpTo(jump.to) }, jump.label));
  }
  const input = $("[data-testid=jump-input]");
  const local = (clock.now || "").slice(0, 16);
  if (local) {
    input.min = local;
    if (!input.value || input.value < local) input.value = local;
  }
}

function avatar(userId, name, app) {
  const initials = app ? "T" : name.split(/\s+/).filter(Boolean).map((w) => w[0]).slice(0, 2).join("").toUpperCase();
  let hash = 0;
  for (const ch of userId || name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return el("span", { class: `avatar${app ? " app" : ""} hue-${hash % 8}`, "aria-hidden": "true" }, initials || "?");
}

function renderMain() {
  const d = S.data;
  const title = els.title;
  if (S.place.kind === "home") {
    els.main.classList.add("is-home");
    if (!changed("main", ["home", d.home, d.me, d.users, d.channels, (d.clock || {}).now])) return;
    clear(title).append(el("span", { class: "side-avatar app big" }, "T"), "Tandem",
      el("span", { class: "badge" }, "APP"));
    clear(els.tabs).append(
      el("button", { type: "button", class: "tab active", "aria-current": "page" }, "Home"),
      el("button", { type: "button", class: "tab", onclick: () => choosePlace({ kind: "dm" }) }, "Messages"));
    const pane = clear(els.messages);
    const home = d.home;
    const node = el("div", { class: "home", testid: "home", dataset: { viewId: home ? home.id : "" } });
    if (home) node.append(renderBlocks(home.blocks, { surface: "home", view: home, here: null, errors: home.errors || {} }));
    else node.append(el("div", { class: "empty" }, "Opening Tandem's Home…"));
    pane.append(node);
    pane.scrollTop = 0;
    return;
  }
  els.main.classList.remove("is-home");
  const channel = currentChannel();
  if (!channel) return;
  const messages = messagesOf(channel.id);
  if (!changed("main", [channel, messages, d.me, d.users, d.channels, d.usergroups, d.shortcuts, (d.clock || {}).now])) return;
  clear(els.tabs);
  if (channel.kind === "dm") {
    clear(title).append(el("span", { class: "side-avatar app big" }, "T"), channel.name, el("span", { class: "badge" }, "APP"));
    els.tabs.append(
      el("button", { type: "button", class: "tab", onclick: () => choosePlace({ kind: "home" }) }, "Home"),
      el("button", { type: "button", class: "tab active", "aria-current": "page" }, "Messages"));
  } else {
    clear(title).append(el("span", { class: "hash" }, "#"), channel.name);
  }
  const pane = els.messages;
  const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40 || S.signatures.mainChannel !== channel.id;
  const keep = pane.scrollTop;
  clear(pane);
  const top = messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const zone = viewerZone();
  pane.append(el("div", { class: "channel-intro" },
    el("h2", {}, channel.kind === "dm" ? "This is your space with Tandem" : `This is the very beginning of #${channel.name}`),
    el("p", {}, channel.kind === "dm"
      ? "Tandem sends you reminders and answers here. Send it a CSV of metric values with the 📎 button."
      : "Type / to see Tandem's commands, or use ⚡ for its shortcuts.")));
  let lastDay = null;
  for (const message of top) {
    const day = formatDateTokens("{day_divider_pretty}", tsDate(message.ts), zone);
    if (day !== lastDay) {
      pane.append(el("div", { class: "day-divider" }, el("span", {}, day)));
      lastDay = day;
    }
    pane.append(messageRow(message, channel, { inThread: false }));
  }
  if (!top.length) pane.append(el("div", { class: "empty" }, "No messages yet."));
  pane.scrollTop = atBottom ? pane.scrollHeight : keep;
  S.signatures.mainChannel = channel.id;
}

function repliesOf(channelId, ts) {
  return messagesOf(channelId).filter((m) => m.thread_ts === ts && m.ts !== ts);
}

function messageRow(message, channel, { inThread }) {
  const app = isApp(message);
  const name = app ? "Tandem" : userName(message.user);
  const zone = viewerZone();
  const date = tsDate(message.ts);
  const context = { surface: "message", channel: channel.id, message_ts: message.ts, here: channel.id };
  const body = el("div", { class: "msg-body" });
  if (message.blocks && message.blocks.length) body.append(renderBlocks(message.blocks, context));
  else if (message.text) body.append(mrkdwn(message.text));
  if (message.edited) {
    const mark = el("span", { class: "edited" }, "(edited)");
    const last = body.lastElementChild;
    (last && last.classList.contains("mrkdwn") ? last : body).append(mark);
  }
  for (const file of message.files || []) body.append(fileView(file));
  if (message.reactions && message.reactions.length) {
    body.append(el("div", { class: "reactions" }, message.reactions.map((r) => el("span", {
      class: `reaction${(r.users || []).includes(S.me) ? " mine" : ""}`,
      title: `${(r.users || []).map(userName).join(", ")} reacted with :${r.name}:`,
    }, el("span", { class: "emoji" }, emoji(r.name) || `:${r.name}:`), el("span", { class: "count" }, String(r.count))))));
  }
  const replies = inThread ? [] : repliesOf(channel.id, message.ts);
  const count = Math.max(message.reply_count || 0, replies.length);
  if (!inThread && count > 0) {
    const last = replies[replies.length - 1];
    body.append(el("button", {
      type: "button", class: "thread-link", testid: "thread-link",
      onclick: () => openThread(channel.id, message.ts),
    }, el("span", { class: "thread-avatars" }, [...new Set(replies.map((r) => (isApp(r) ? "TANDEM" : r.user)))].slice(0, 3)
      .map((u) => avatar(u, u === "TANDEM" ? "Tandem" : userName(u), u === "TANDEM"))),
    el("span", { class: "thread-count" }, `${count} ${count === 1 ? "reply" : "replies"}`),
    last ? el("span", { class: "thread-last" }, `Last reply ${formatDateTokens("{date_short_pretty} at {time}", tsDate(last.ts), zone)}`) : null));
  }
  const row = el("div", {
    class: `message${message.ephemeral ? " ephemeral" : ""}`, testid: "message",
    dataset: { ts: message.ts, ephemeral: message.ephemeral ? "true" : "false", user: message.user || "" },
  },
  message.ephemeral ? el("div", { class: "ephemeral-note" }, el("span", { "aria-hidden": "true" }, "👁"), " Only visible to you") : null,
  el("div", { class: "msg-grid" },
    avatar(app ? "TANDEM" : message.user, name, app),
    el("div", { class: "msg-main" },
      el("div", { class: "msg-head" }, el("span", { class: "msg-name" }, name), app ? el("span", { class: "badge" }, "APP") : null,
        el("time", { class: "msg-time", datetime: date.toISOString(), title: formatDateTokens("{date_long} at {time_secs}", date, zone) }, formatTime(date, zone))),
      body)),
  messageMenuButton(message, channel, inThread));
  return row;
}

function messageMenuButton(message, channel, inThread) {
  const button = el("button", { type: "button", class: "msg-menu", testid: "message-menu", "aria-label": "More actions", "aria-haspopup": "menu" }, "⋯");
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    const shortcuts = (S.data.shortcuts && S.data.shortcuts.message) || [];
    const items = shortcuts.map((s) => ({
      label: s.name, hint: "Tandem", testid: "shortcut-item", dataset: { callbackId: s.callback_id },
      run: () => api.send("shortcut", { as: S.me, callback_id: s.callback_id, channel: channel.id, message_ts: message.ts }),
    }));
    if (!inThread && !message.ephemeral) {
      items.unshift({ label: "Reply in thread", testid: "reply-in-thread", run: () => openThread(channel.id, message.ts) });
    }
    openPopup(button, items, { testid: "message-shortcuts", title: "Message shortcuts" });
  });
  return button;
}

function fileView(file) {
  const url = file.url || `/sandbox/files/${encodeURIComponent(file.id)}`;
  const name = file.title || file.name || "file";
  if ((file.mimetype || "").startsWith("image/")) {
    return el("a", { class: "file-image", href: url, target: "_blank", rel: "noopener" },
      el("img", { src: url, alt: name, loading: "lazy" }));
  }
  return el("a", { class: "file-chip", href: url, target: "_blank", rel: "noopener", download: file.name || null },
    el("span", { class: "file-icon", "aria-hidden": "true" }, (file.name || "").toLowerCase().endsWith(".csv") ? "📊" : "📄"),
    el("span", { class: "file-meta" }, el("span", { class: "file-name" }, name), el("span", { class: "file-type" }, file.mimetype || "file")));
}

function openThread(channelId, ts) {
  S.thread = { channel: channelId, ts };
  closePopups();
  delete S.signatures.thread;
  renderThread();
  els.threadComposer.focus();
}

function renderThread() {
  const pane = els.thread;
  const thread = S.thread;
  const channel = thread && channelById(thread.channel);
  const parent = channel && messagesOf(channel.id).find((m) => m.ts === thread.ts);
  const visible = Boolean(parent) && S.place.kind !== "home";
  document.body.classList.toggle("has-thread", visible);
  pane.hidden = !visible;
  if (!visible) {
    // Nothing of a closed thread stays in the page, so queries for messages only find what is shown.
    if (S.signatures.thread !== undefined) clear($("#thread-messages"));
    delete S.signatures.thread;
    return;
  }
  const replies = repliesOf(channel.id, parent.ts);
  if (!changed("thread", [thread, parent, replies, S.data.me, S.data.users, (S.data.clock || {}).now])) return;
  $("#thread-channel").textContent = `#${channel.kind === "dm" ? channel.name : channel.name}`;
  const list = clear($("#thread-messages"));
  const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(messageRow(parent, channel, { inThread: true }));
  list.append(el("div", { class: "reply-divider" }, el("span", {}, `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`)));
  for (const reply of replies) list.append(messageRow(reply, channel, { inThread: true }));
  if (stick) list.scrollTop = list.scrollHeight;
}

function closeThread() {
  S.thread = null;
  renderThread();
}

/** The open modal: redrawn only when the view (or its errors) changed; typing survives. */
function renderModal() {
  const modal = S.data.modal;
  const host = els.modalHost;
  if (!modal) {
    if (changed("modal", null)) {
      clear(host);
      host.hidden = true;
      for (const id of [...S.forms.keys()]) if (!S.data.home || id !== S.data.home.id) S.forms.delete(id);
      S.submitErrors.clear();
    }
    return;
  }
  // Errors from the last submit belong to that version of the view; a new view drops them.
  const answerErrors = S.submitErrors.get(modal.id);
  if (answerErrors && answerErrors.hash !== modal.hash) S.submitErrors.delete(modal.id);
  for (const id of [...S.forms.keys()]) if (id !== modal.id && (!S.data.home || id !== S.data.home.id)) S.forms.delete(id);
  const errors = { ...(modal.errors || {}), ...((S.submitErrors.get(modal.id) || {}).errors || {}) };
  // The app failed to answer a submission: Slack says so in a banner at the top of the modal.
  const problem = (S.submitErrors.get(modal.id) || {}).problem || null;
  if (!changed("modal", [modal, errors, problem, S.data.me, S.data.channels])) return;

  const focused = document.activeElement;
  const focus = focused && host.contains(focused)
    ? { block: focused.closest("[data-block-id]")?.dataset.blockId, action: focused.dataset.actionId, start: focused.selectionStart, end: focused.selectionEnd }
    : null;
  const firstOpen = host.hidden || host.dataset.viewId !== modal.id;

  const here = (currentChannel() || {}).id || null;
  const context = { surface: "modal", view: modal, here, errors };
  const submit = modal.submit ? plainText(modal.submit) : null;
  const dialog = el("form", {
    class: "modal", testid: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": "modal-title",
    dataset: { viewId: modal.id, callbackId: modal.callback_id || "" }, novalidate: true,
    onsubmit: (event) => {
      event.preventDefault();
      submitModal(modal);
    },
  },
  el("header", { class: "modal-head" },
    el("span", { class: "side-avatar app" }, "T"),
    el("h2", { id: "modal-title", testid: "modal-title" }, plainText(modal.title)),
    el("button", { type: "button", class: "icon-btn", "aria-label": "Close", onclick: () => closeModal(modal) }, "×")),
  problem ? el("div", { class: "modal-problem", role: "alert", testid: "modal-error" }, problem) : null,
  el("div", { class: "modal-body" }, renderBlocks(modal.blocks, context)),
  el("footer", { class: "modal-foot" },
    el("button", { type: "button", class: "bk-btn", testid: "modal-close", onclick: () => closeModal(modal) }, modal.close ? plainText(modal.close) : "Cancel"),
    submit ? el("button", { type: "submit", class: "bk-btn primary", testid: "modal-submit" }, submit) : null));
  clear(host).append(el("div", { class: "overlay", onmousedown: (event) => event.stopPropagation() }, dialog));
  host.hidden = false;
  host.dataset.viewId = modal.id;

  if (focus && focus.block) {
    const again = dialog.querySelector(`[data-block-id="${CSS.escape(focus.block)}"] [data-action-id="${CSS.escape(focus.action || "")}"]`);
    if (again) {
      again.focus();
      try {
        if (focus.start != null) again.setSelectionRange(focus.start, focus.end);
      } catch (_) { /* not a text field */ }
    }
  } else if (firstOpen) {
    const first = dialog.querySelector(".modal-body input, .modal-body textarea, .modal-body select");
    (first || dialog.querySelector("[data-testid=modal-close]")).focus();
  }
}

async function submitModal(modal) {
  const button = els.modalHost.querySelector("[data-testid=modal-submit]");
  if (!button || button.disabled) return;
  button.disabled = true;
  const answer = await api.post("submit", { as: S.me, view_id: modal.id, values: valuesOf(modal) });
  button.disabled = false;
  if (answer.errors && Object.keys(answer.errors).length) {
    S.submitErrors.set(modal.id, { hash: modal.hash, errors: answer.errors });
    renderModal();
    const firstError = els.modalHost.querySelector(".has-error input, .has-error textarea, .has-error select");
    if (firstError) firstError.focus();
  } else if (answer.ok === false) {
    S.submitErrors.set(modal.id, { hash: modal.hash, errors: {}, problem: answer.error || "The sandbox could not submit the form." });
    renderModal();
  } else {
    S.submitErrors.delete(modal.id);
  }
}

function closeModal(modal) {
  api.send("close", { as: S.me, view_id: modal.id });
}

/* ============================================================ composer */

function renderComposerState() {
  const channel = currentChannel();
  const home = S.place.kind === "home";
  els.composerBox.hidden = home;
  if (!channel) return;
  els.composer.placeholder = channel.kind === "dm" ? `Message ${channel.name}` : `Message #${channel.name}`;
  els.attach.hidden = channel.kind !== "dm";
  if (S.thread) els.threadComposer.placeholder = "Reply…";
}

function commandOf(text) {
  const m = /^(\/[\w-]+)(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!m) return null;
  return { command: m[1], text: (m[2] || "").trim() };
}

async function sendFrom(textarea, { thread_ts } = {}) {
  const text = textarea.value;
  if (!text.trim()) return;
  const channel = thread_ts ? channelById(S.thread.channel) : currentChannel();
  if (!channel) return;
  let answer;
  const asCommand = !thread_ts && text.trim().startsWith("/");
  if (asCommand) {
    const typed = commandOf(text);
    const known = typed && (S.data.commands || []).find((c) => c.command === typed.command);
    if (!known) {
      // Slack refuses unknown commands itself, without sending anything.
      toast(`${typed ? typed.command : text.trim().split(/\s/)[0]} is not a valid command. In Slack, all messages that start with "/" are interpreted as commands.`, "error");
      return;
    }
    textarea.value = "";
    hideCommandMenu();
    answer = await api.send("command", { as: S.me, channel: channel.id, command: typed.command, text: typed.text });
  } else {
    textarea.value = "";
    const body = { as: S.me, channel: channel.id, text };
    if (thread_ts) body.thread_ts = thread_ts;
    answer = await api.send("message", body);
  }
  if (answer.ok === false && !textarea.value) textarea.value = text; // give back what was typed
  autosize(textarea);
}

function autosize(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = `${Math.min(textarea.scrollHeight, 200)}px`;
}

/* The slash command menu: shown while the first word is being typed, like Slack's. */
const commandMenu = { items: [], index: 0 };

function updateCommandMenu() {
  const value = els.composer.value;
  const m = /^\/([\w-]*)$/.exec(value);
  if (!m || S.place.kind === "home") return hideCommandMenu();
  const wanted = m[1].toLowerCase();
  commandMenu.items = (S.data.commands || []).filter((c) => c.command.slice(1).toLowerCase().startsWith(wanted));
  if (!commandMenu.items.length) return hideCommandMenu();
  commandMenu.index = Math.min(commandMenu.index, commandMenu.items.length - 1);
  const menu = clear(els.commandMenu);
  menu.append(el("div", { class: "cmd-title" }, "Commands matching ", el("b", {}, value), el("span", { class: "cmd-app" }, "Tandem")));
  commandMenu.items.forEach((c, i) => {
    menu.append(el("button", {
      type: "button", class: `cmd-item${i === commandMenu.index ? " active" : ""}`, testid: "command-item",
      role: "option", "aria-selected": i === commandMenu.index ? "true" : "false",
      onmousedown: (event) => event.preventDefault(),
      onclick: () => chooseCommand(c),
    },
    el("span", { class: "cmd-line" }, el("span", { class: "cmd-name" }, c.command),
      c.usage_hint ? el("span", { class: "cmd-hint" }, c.usage_hint) : null),
    el("span", { class: "cmd-desc" }, c.description || "")));
  });
  menu.hidden = false;
}

function hideCommandMenu() {
  els.commandMenu.hidden = true;
  commandMenu.index = 0;
}

function chooseCommand(c) {
  els.composer.value = `${c.command} `;
  hideCommandMenu();
  els.composer.focus();
}

function composerKeys(event) {
  const menuOpen = !els.commandMenu.hidden;
  if (menuOpen && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    const n = commandMenu.items.length;
    commandMenu.index = (commandMenu.index + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
    updateCommandMenu();
    return;
  }
  if (menuOpen && (event.key === "Tab" || (event.key === "Enter" && !event.shiftKey))) {
    event.preventDefault();
    chooseCommand(commandMenu.items[commandMenu.index]);
    return;
  }
  if (menuOpen && event.key === "Escape") {
    event.preventDefault();
    hideCommandMenu();
    return;
  }
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendFrom(els.composer);
  }
}

function uploadFile(file) {
  const channel = currentChannel();
  if (!file || !channel) return;
  const reader = new FileReader();
  reader.onload = async () => {
    const content = String(reader.result).replace(/^data:[^,]*,/, "");
    await api.send("file", { as: S.me, channel: channel.id, filename: file.name, content_base64: content });
    els.fileInput.value = "";
  };
  reader.onerror = () => toast(`Could not read ${file.name}.`, "error");
  reader.readAsDataURL(file);
}

function showGlobalShortcuts() {
  const shortcuts = (S.data && S.data.shortcuts && S.data.shortcuts.global) || [];
  openPopup(els.globalShortcuts, shortcuts.map((s) => ({
    label: s.name, hint: s.description, testid: "shortcut-item", dataset: { callbackId: s.callback_id },
    run: () => api.send("shortcut", { as: S.me, callback_id: s.callback_id }),
  })), { testid: "global-shortcut-menu", title: "Shortcuts · Tandem", align: "left" });
}

/* ============================================================ clock */

async function jumpTo(to) {
  if (!to) return;
  for (const b of document.querySelectorAll("[data-testid=jump], [data-testid=jump-go]")) b.disabled = true;
  const moving = toast(`Moving the clock to ${to.replace("T", " ")}…`);
  const answer = await api.send("jump", { to });
  moving.remove();
  for (const b of document.querySelectorAll("[data-testid=jump], [data-testid=jump-go]")) b.disabled = false;
  if (answer.ok === false) return;
  const ran = answer.ran || [];
  if (!ran.length) toast("Clock moved. Nothing was due in between.");
  else toast(`Clock moved. Ran: ${ran.map((r) => `${r.job} (${r.outcome})`).join(" · ")}`);
}

async function resetSandbox() {
  if (!window.confirm("Start over with fresh sample data? Everything done in the sandbox so far is lost.")) return;
  const answer = await api.send("reset", {});
  if (answer.ok === false) return;
  // A reset may start the version counter again: ask afresh rather than wait for "newer than N".
  S.signatures = {};
  S.thread = null;
  refetch({ fresh: true });
  toast("The sandbox starts over with fresh sample data.");
}

/* ============================================================ boot */

function boot() {
  Object.assign(els, {
    picker: $("[data-testid=person-picker]"),
    meAvatar: $("#me-avatar"),
    channels: $("#channel-list"),
    dms: $("#dm-list"),
    apps: $("#app-list"),
    main: $("#main"),
    title: $("[data-testid=conversation-title]"),
    tabs: $("#tabs"),
    messages: $("#messages"),
    composerBox: $("#composer-box"),
    composer: $("[data-testid=composer]"),
    commandMenu: $("#command-menu"),
    attach: $("#attach"),
    fileInput: $("#file-input"),
    globalShortcuts: $("[data-testid=global-shortcuts]"),
    thread: $("[data-testid=thread]"),
    threadComposer: $("[data-testid=thread-composer]"),
    modalHost: $("#modal-host"),
  });

  els.picker.addEventListener("change", () => changePerson(els.picker.value));
  $("[data-testid=reset]").addEventListener("click", resetSandbox);
  $("[data-testid=jump-go]").addEventListener("click", () => jumpTo($("[data-testid=jump-input]").value));

  els.composer.addEventListener("keydown", composerKeys);
  els.composer.addEventListener("input", () => {
    autosize(els.composer);
    updateCommandMenu();
  });
  els.composer.addEventListener("blur", () => setTimeout(hideCommandMenu, 150));
  $("[data-testid=send]").addEventListener("click", () => sendFrom(els.composer));
  els.attach.addEventListener("click", () => els.fileInput.click());
  els.fileInput.addEventListener("change", () => uploadFile(els.fileInput.files[0]));
  els.globalShortcuts.addEventListener("click", (event) => {
    event.stopPropagation();
    showGlobalShortcuts();
  });

  els.threadComposer.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (S.thread) sendFrom(els.threadComposer, { thread_ts: S.thread.ts });
    }
  });
  els.threadComposer.addEventListener("input", () => autosize(els.threadComposer));
  $("#thread-send").addEventListener("click", () => S.thread && sendFrom(els.threadComposer, { thread_ts: S.thread.ts }));
  $("#thread-close").addEventListener("click", closeThread);

  document.addEventListener("click", (event) => {
    if (openMenu && !openMenu.contains(event.target)) closePopups();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (openMenu) {
      closePopups();
      return;
    }
    if (S.data && S.data.modal && !els.modalHost.hidden) {
      event.preventDefault();
      closeModal(S.data.modal);
    } else if (S.thread) closeThread();
  });
  window.addEventListener("resize", closePopups);

  if (S.place.kind === "home" && S.me) api.post("home", { as: S.me });
  pollLoop();
}

document.addEventListener("DOMContentLoaded", boot);
