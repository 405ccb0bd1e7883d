// 数据看板: GET /agent/dashboard (docs/learning-loop.md) drawn as inline SVG from plain JS; no chart library,
// no network beyond the agent API. The figures are counts and ids only; nothing is logged.
"use strict";

(function () {
  const NS = "http://www.w3.org/2000/svg";
  const REFRESH_MS = 15000;
  // .../console/dashboard.html → "" (or "/prod"): the API sits beside the console under the same stage.
  const BASE = location.pathname.replace(/\/console(\/.*)?$/, "");
  const token = localStorage.getItem("kefu.console.token") || "";
  const agent = localStorage.getItem("kefu.console.agent") || "";
  const REASONS = [
    ["low_confidence", "无法回答", "#e0562b"],
    ["repeated_failure", "多次未解决", "#bc4c00"],
    ["emotion", "情绪", "#cf222e"],
    ["after_sale", "售后", "#8250df"],
    ["media_rule", "图片/视频", "#0969da"],
    ["explicit_request", "要求人工", "#1a7f37"],
    ["with_human", "人工接待中", "#8c959f"],
  ];
  const EXTRA_COLORS = ["#4d2d00", "#6639ba", "#0550ae", "#116329"];
  // Topics are the understood intent of a message (or its type for media), some are the learner's topics.
  const TOPICS = {
    product_question: "商品咨询", shipping: "发货物流", logistics: "物流查询", after_sale: "售后", complaint: "投诉",
    bargaining: "议价", greeting: "问候", thanks: "致谢", ask_human: "要求人工", media: "图片/视频", other: "其他",
    image: "图片", video: "视频", goods_card: "商品卡片", order_card: "订单卡片",
    price: "价格优惠", invoice: "发票", usage: "使用方法", safety: "安全须知", storage: "储存", product: "商品",
    service: "服务", size: "尺码",
  };
  const $ = (id) => document.getElementById(id);
  let days = 7;
  let current = null;

  function toast(message, isError) {
    const box = $("toast");
    box.textContent = message;
    box.className = "toast" + (isError ? " error" : "");
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 3000);
  }

  async function get(route) {
    const response = await fetch(BASE + route, {
      headers: { "Authorization": "Bearer " + token, "X-Agent-Id": agent },
      cache: "no-store",
    });
    if (response.status === 401) { showLogin(); throw new Error("unauthenticated"); }
    if (!response.ok) throw new Error("请求失败 " + response.status);
    return response;
  }

  function showLogin() {
    $("need-login").hidden = false;
    $("board").hidden = true;
  }

  // --- formatting: the text of each figure, with the raw number in data-value for tests and tooltips ----

  function pct(rate) {
    return rate == null ? "—" : (Math.round(rate * 1000) / 10) + "%";
  }

  function ms(value) {
    return value == null ? "—" : Math.round(value) + " ms";
  }

  function setFigure(id, text, value) {
    $(id).textContent = text;
    $(id).setAttribute("data-value", value == null ? "" : String(value));
  }

  // --- SVG primitives ------------------------------------------------------------------------------

  function node(tag, attrs, text) {
    const n = document.createElementNS(NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) n.setAttribute(key, String(value));
    if (text != null) n.textContent = text;
    return n;
  }

  function tooltip(shape, text) {
    shape.append(node("title", {}, text));
    return shape;
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    const step = Math.pow(10, Math.floor(Math.log10(value)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step;
    return 10 * step;
  }

  function frame(width, height) {
    return node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", preserveAspectRatio: "xMidYMid meet" });
  }

  // Value axis with three grid lines; returns y(value).
  function valueAxis(svg, box, max, format) {
    const y = (v) => box.top + box.height - (v / max) * box.height;
    for (const v of [0, max / 2, max]) {
      svg.append(node("line", { x1: box.left, x2: box.left + box.width, y1: y(v), y2: y(v), class: v ? "grid" : "axis" }));
      svg.append(node("text", { x: box.left - 4, y: y(v) + 4, "text-anchor": "end" }, format(v)));
    }
    return y;
  }

  function categoryLabels(svg, box, labels) {
    const every = Math.ceil(labels.length / 12);
    const band = box.width / labels.length;
    labels.forEach((label, i) => {
      if (i % every) return;
      svg.append(node("text", { x: box.left + band * (i + 0.5), y: box.top + box.height + 14, "text-anchor": "middle" }, label));
    });
  }

  function legend(items) {
    const list = document.createElement("ul");
    list.className = "legend";
    for (const [name, color] of items) {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = color;
      li.append(sw, document.createTextNode(name));
      list.append(li);
    }
    return list;
  }

  // Bars per category; several series are stacked. series: [{key, name, color, values}].
  function barChart(container, labels, series, options) {
    const opts = Object.assign({ width: 400, height: 200, format: (v) => String(Math.round(v * 10) / 10) }, options);
    const box = { left: 40, top: 12, width: opts.width - 50, height: opts.height - 36 };
    const svg = frame(opts.width, opts.height);
    const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
    const max = niceMax(Math.max(0, ...totals));
    const y = valueAxis(svg, box, max, opts.format);
    const band = box.width / Math.max(1, labels.length);
    const barWidth = Math.max(2, band * 0.62);
    labels.forEach((label, i) => {
      let base = 0;
      const x = box.left + band * i + (band - barWidth) / 2;
      for (const s of series) {
        const v = s.values[i] || 0;
        const rect = node("rect", { x: x, width: barWidth, y: y(base + v), height: Math.max(0, y(base) - y(base + v)),
          fill: s.color, "data-label": label, "data-series": s.key, "data-value": v });
        svg.append(tooltip(rect, `${label} ${s.name}：${opts.format(v)}`));
        base += v;
      }
      if (totals[i] > 0 && labels.length <= 31) {
        svg.append(node("text", { x: x + barWidth / 2, y: y(totals[i]) - 3, "text-anchor": "middle", class: "value" },
          opts.format(totals[i])));
      }
    });
    categoryLabels(svg, box, labels);
    container.replaceChildren(svg);
    if (series.length > 1 && opts.legend !== false) container.append(legend(series.map((s) => [s.name, s.color])));
  }

  // Lines per category; null values break the line (a day with nothing counted is not 0%).
  function lineChart(container, labels, series, options) {
    const opts = Object.assign({ width: 400, height: 200, max: null, format: String }, options);
    const box = { left: 44, top: 12, width: opts.width - 56, height: opts.height - 36 };
    const svg = frame(opts.width, opts.height);
    const all = series.flatMap((s) => s.values.filter((v) => v != null));
    const max = opts.max || niceMax(Math.max(0, ...all));
    const y = valueAxis(svg, box, max, opts.format);
    const band = box.width / Math.max(1, labels.length);
    const x = (i) => box.left + band * (i + 0.5);
    for (const s of series) {
      let run = [];
      const flush = () => {
        if (run.length > 1) svg.append(node("polyline", { points: run.join(" "), fill: "none", stroke: s.color, "stroke-width": 2 }));
        run = [];
      };
      s.values.forEach((v, i) => {
        if (v == null) { flush(); return; }
        run.push(`${x(i)},${y(v)}`);
        const dot = node("circle", { cx: x(i), cy: y(v), r: 3, fill: s.color, "data-label": labels[i], "data-series": s.key, "data-value": v });
        svg.append(tooltip(dot, `${labels[i]} ${s.name}：${opts.format(v)}`));
      });
      flush();
    }
    if (!all.length) svg.append(node("text", { x: box.left + box.width / 2, y: box.top + box.height / 2, "text-anchor": "middle" }, "暂无数据"));
    categoryLabels(svg, box, labels);
    container.replaceChildren(svg);
    if (series.length > 1) container.append(legend(series.map((s) => [s.name, s.color])));
  }

  // Horizontal bars for ranked lists (topics, knowledge items).
  function rankChart(container, items, color, width) {
    if (!items.length) {
      const empty = document.createElement("p");
      empty.className = "nodata";
      empty.textContent = "暂无数据";
      container.replaceChildren(empty);
      return;
    }
    const rows = items.slice(0, 10);
    width = width || 400;
    const rowHeight = 24;
    const labelWidth = Math.min(260, width * 0.4);
    const svg = frame(width, rows.length * rowHeight + 8);
    const max = Math.max(1, ...rows.map((r) => r.value));
    rows.forEach((r, i) => {
      const top = 4 + i * rowHeight;
      const fits = Math.floor(labelWidth / 12);
      const label = r.label.length > fits ? r.label.slice(0, fits - 1) + "…" : r.label;
      svg.append(tooltip(node("text", { x: labelWidth - 6, y: top + 15, "text-anchor": "end" }, label), r.label));
      const w = ((width - labelWidth - 40) * r.value) / max;
      svg.append(tooltip(node("rect", { x: labelWidth, y: top + 3, width: Math.max(1, w), height: rowHeight - 8, fill: color,
        "data-label": r.key, "data-value": r.value }), `${r.label}：${r.value}`));
      svg.append(node("text", { x: labelWidth + w + 4, y: top + 15, class: "value" }, String(r.value)));
    });
    container.replaceChildren(svg);
  }

  // --- the page ------------------------------------------------------------------------------------

  // Every date of the range, so a quiet day shows as an empty bar rather than disappearing.
  function fillDays(board) {
    const byDate = new Map((board.days || []).map((d) => [d.date, d]));
    const out = [];
    const from = new Date(board.from + "T00:00:00Z");
    const to = new Date(board.to + "T00:00:00Z");
    if (isNaN(from) || isNaN(to) || to < from) return board.days || [];
    for (let t = from; t <= to; t = new Date(t.getTime() + 86400000)) {
      const date = t.toISOString().slice(0, 10);
      out.push(byDate.get(date) || { date: date, conversations: 0, auto_received: 0, auto_reception_rate: null,
        messages: 0, handoffs: {}, handed_over_in_hours: 0, human_replied_3min: 0, human_reply_3min_rate: null,
        bot_latency_p50_ms: null, bot_latency_p95_ms: null, candidates_approved: 0 });
    }
    return out;
  }

  function reasonsOf(board) {
    const known = REASONS.map((r) => r[0]);
    const seen = new Set();
    for (const d of [board.totals || {}, ...(board.days || [])]) for (const k of Object.keys(d.handoffs || {})) seen.add(k);
    const extra = [...seen].filter((k) => !known.includes(k))
      .map((k, i) => [k, k, EXTRA_COLORS[i % EXTRA_COLORS.length]]);
    return REASONS.concat(extra);
  }

  function render(board) {
    current = board;
    const t = board.totals || {};
    const list = fillDays(board);
    const labels = list.map((d) => d.date.slice(5));
    const handoffTotal = Object.values(t.handoffs || {}).reduce((a, b) => a + b, 0);

    $("range").textContent = `${board.from} 至 ${board.to}（${board.timezone}）`;
    setFigure("k-conversations", String(t.conversations ?? 0), t.conversations ?? 0);
    setFigure("k-messages", String(t.messages ?? 0), t.messages ?? 0);
    setFigure("k-auto-rate", pct(t.auto_reception_rate), t.auto_reception_rate);
    setFigure("k-auto", String(t.auto_received ?? 0), t.auto_received ?? 0);
    setFigure("k-handoffs", String(handoffTotal), handoffTotal);
    setFigure("k-3min", pct(t.human_reply_3min_rate), t.human_reply_3min_rate);
    setFigure("k-in-hours", String(t.handed_over_in_hours ?? 0), t.handed_over_in_hours ?? 0);
    setFigure("k-p50", ms(t.bot_latency_p50_ms), t.bot_latency_p50_ms);
    setFigure("k-p95", ms(t.bot_latency_p95_ms), t.bot_latency_p95_ms);
    setFigure("k-approved", String(t.candidates_approved ?? 0), t.candidates_approved ?? 0);

    barChart($("c-conversations"), labels, [
      { key: "auto_received", name: "机器人独立接待", color: "#1a7f37", values: list.map((d) => d.auto_received || 0) },
      { key: "handed_over", name: "转人工", color: "#e0562b",
        values: list.map((d) => Math.max(0, (d.conversations || 0) - (d.auto_received || 0))) },
    ], { width: 1100 });
    const percent = (v) => Math.round(v * 100) + "%";
    lineChart($("c-auto-rate"), labels, [
      { key: "auto_reception_rate", name: "自动接待率", color: "#1a7f37", values: list.map((d) => d.auto_reception_rate) },
    ], { max: 1, format: percent });

    const reasons = reasonsOf(board);
    barChart($("c-handoffs"), labels, reasons.map(([key, name, color]) => (
      { key: key, name: name, color: color, values: list.map((d) => (d.handoffs || {})[key] || 0) })), { legend: false });
    const totals = $("handoff-totals");
    totals.replaceChildren(...reasons.map(([key, name, color]) => {
      const n = (t.handoffs || {})[key] || 0;
      const li = document.createElement("li");
      li.setAttribute("data-testid", "handoff-total-" + key);
      li.setAttribute("data-value", String(n));
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = color;
      li.append(sw, document.createTextNode(`${name} ${n}`));
      return li;
    }));

    lineChart($("c-3min"), labels, [
      { key: "human_reply_3min_rate", name: "3分钟人工回复率", color: "#0969da", values: list.map((d) => d.human_reply_3min_rate) },
    ], { max: 1, format: percent });
    lineChart($("c-latency"), labels, [
      { key: "p50", name: "p50", color: "#1a7f37", values: list.map((d) => d.bot_latency_p50_ms) },
      { key: "p95", name: "p95", color: "#cf222e", values: list.map((d) => d.bot_latency_p95_ms) },
    ], { format: (v) => String(Math.round(v)) });

    const hours = new Map((board.hours || []).map((h) => [h.hour, h]));
    const hourLabels = Array.from({ length: 24 }, (_, h) => String(h));
    barChart($("c-hours"), hourLabels, [
      { key: "conversations", name: "会话", color: "#0969da",
        values: hourLabels.map((_, h) => (hours.get(h) || {}).conversations || 0) },
    ], { width: 1100 });

    rankChart($("c-topics"), (board.top_topics || []).map((x) => (
      { key: x.topic, label: TOPICS[x.topic] || x.topic, value: x.count })), "#8250df");
    rankChart($("c-items"), (board.item_hits || []).map((x) => (
      { key: x.item_id, label: x.title || x.item_id, value: x.count })), "#e0562b", 1100);
    barChart($("c-approved"), labels, [
      { key: "candidates_approved", name: "审核通过", color: "#1a7f37", values: list.map((d) => d.candidates_approved || 0) },
    ]);
  }

  async function load() {
    try {
      const board = await (await get("/agent/dashboard?days=" + days)).json();
      render(board);
      $("board").setAttribute("data-loaded", String(days));
    } catch (error) {
      if (error.message !== "unauthenticated") toast("加载失败：" + error.message, true);
    }
  }

  // The CSV needs the token, so a plain link cannot fetch it: fetch, then hand the browser a blob.
  async function exportCsv(event) {
    event.preventDefault();
    try {
      const blob = await (await get("/agent/dashboard.csv?days=" + days)).blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = current ? `kefu-dashboard-${current.from}-${current.to}.csv` : `kefu-dashboard-${days}d.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      if (error.message !== "unauthenticated") toast("导出失败：" + error.message, true);
    }
  }

  $("days").addEventListener("change", () => { days = Number($("days").value) || 7; load(); });
  $("export").addEventListener("click", exportCsv);

  if (!token || !agent) { showLogin(); return; }
  $("board").hidden = false;
  load();
  setInterval(load, REFRESH_MS);
})();
