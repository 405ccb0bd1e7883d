// 人工客服工作台: plain JS, no build step. Every piece of buyer data goes into the page through
// textContent (never innerHTML) and nowhere else: nothing is logged to the console or sent elsewhere.
"use strict";

(function () {
  const POLL_MS = 2000;
  const STORE_TOKEN = "kefu.console.token";
  const STORE_AGENT = "kefu.console.agent";
  // /console → "", /prod/console → "/prod": the API sits beside the console under the same stage.
  const BASE = location.pathname.replace(/\/console(\/.*)?$/, "");
  const ROLE = { buyer: "买家", bot: "机器人", agent: "客服", system: "系统" };

  const $ = (id) => document.getElementById(id);
  const state = {
    token: localStorage.getItem(STORE_TOKEN) || "",
    agent: localStorage.getItem(STORE_AGENT) || "",
    selected: null,
    detail: null,
    detailKey: "",
    list: null,
    fetchedAt: 0,
    busy: false,
    polling: false,
    view: "handoffs",
  };

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  function toast(message, isError) {
    const box = $("toast");
    box.textContent = message;
    box.className = "toast" + (isError ? " error" : "");
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 3000);
  }

  function formatAge(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return s + "秒";
    if (s < 3600) return Math.floor(s / 60) + "分" + String(s % 60).padStart(2, "0") + "秒";
    return Math.floor(s / 3600) + "小时" + Math.floor((s % 3600) / 60) + "分";
  }

  function formatTime(iso) {
    const d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleTimeString("zh-CN", { hour12: false });
  }

  function newRef() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function api(path, options) {
    return request("/agent/handoffs" + path, options);
  }

  // Any agent API route (path from the stage root, e.g. "/agent/knowledge/gaps"); shared with review.js.
  async function request(route, options) {
    const response = await fetch(BASE + route, {
      method: (options && options.method) || "GET",
      headers: {
        "Authorization": "Bearer " + state.token,
        "X-Agent-Id": state.agent,
        "Content-Type": "application/json",
      },
      body: options && options.body ? JSON.stringify(options.body) : undefined,
      cache: "no-store",
    });
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (response.status === 401) {
      showLogin("令牌无效，请重新登录");
      throw new Error("unauthenticated");
    }
    if (!response.ok) {
      const error = new Error((body && body.message) || ("请求失败 " + response.status));
      error.status = response.status;
      throw error;
    }
    return body;
  }

  // --- login -----------------------------------------------------------------------------------------

  function showLogin(message) {
    $("login").hidden = false;
    $("workspace").hidden = true;
    $("review").hidden = true;
    $("gaps").hidden = true;
    $("tabs").hidden = true;
    $("logout").hidden = true;
    $("agent-label").textContent = "";
    $("agent").value = state.agent;
    if (message) toast(message, true);
  }

  function showWorkspace() {
    $("login").hidden = true;
    $("tabs").hidden = false;
    showView(state.view);
    $("logout").hidden = false;
    $("agent-label").textContent = "客服：" + state.agent;
  }

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("token").value.trim();
    state.agent = $("agent").value.trim();
    localStorage.setItem(STORE_TOKEN, state.token);
    localStorage.setItem(STORE_AGENT, state.agent);
    $("token").value = "";
    showWorkspace();
    poll();
  });

  $("logout").addEventListener("click", () => {
    localStorage.removeItem(STORE_TOKEN);
    state.token = "";
    state.selected = null;
    showLogin();
  });

  // --- the queue -------------------------------------------------------------------------------------

  function ageNow(ticket) {
    return ticket.age_s + (Date.now() - state.fetchedAt) / 1000;
  }

  function ticketRow(ticket, waiting) {
    const age = el("span", { class: "age", "data-age": "1" });
    const item = el("li", {
      class: "ticket" + (ticket.handoff_id === state.selected ? " selected" : ""),
      "data-testid": "ticket",
      "data-handoff": ticket.handoff_id,
    },
      el("div", { class: "row" },
        el("strong", { text: ticket.buyer_id }),
        age),
      el("div", { class: "meta", text: waiting
        ? ticket.reason_label + " · 情绪 " + ticket.emotion.toFixed(2)
        : ticket.reason_label + " · " + (ticket.claimed_by === state.agent ? "我接待中" : "客服 " + ticket.claimed_by) }));
    item._ticket = ticket;
    item._waiting = waiting;
    item.addEventListener("click", () => select(ticket.handoff_id));
    return item;
  }

  function tickAges() {
    for (const node of document.querySelectorAll(".ticket")) {
      const ticket = node._ticket;
      if (!ticket) continue;
      const age = ageNow(ticket);
      const overdue = node._waiting && age > ticket.sla_s;
      node.classList.toggle("overdue", overdue);
      node.querySelector(".age").textContent = (node._waiting ? "等待 " : "") + formatAge(age) + (overdue ? " 超时" : "");
    }
    if (state.detail) {
      const t = state.detail.ticket;
      const age = t.age_s + (Date.now() - state.detail._at) / 1000;
      $("d-age").textContent = formatAge(age);
      $("d-age").className = t.status === "waiting" && age > t.sla_s ? "overdue-text" : "";
    }
  }

  function renderList(view) {
    state.list = view;
    $("sla-minutes").textContent = view.sla_minutes;
    $("waiting-count").textContent = view.waiting.length;
    $("claimed-count").textContent = view.claimed.length;
    $("waiting-empty").hidden = view.waiting.length > 0;
    $("waiting").replaceChildren(...view.waiting.map((t) => ticketRow(t, true)));
    $("claimed").replaceChildren(...view.claimed.map((t) => ticketRow(t, false)));
    tickAges();
  }

  // --- the conversation --------------------------------------------------------------------------------

  function select(handoffId) {
    state.selected = handoffId;
    state.detail = null;
    state.detailKey = "";
    for (const node of document.querySelectorAll(".ticket")) {
      node.classList.toggle("selected", node.dataset.handoff === handoffId);
    }
    loadDetail();
  }

  async function loadDetail() {
    if (!state.selected) return;
    const wanted = state.selected;
    try {
      const detail = await api("/" + encodeURIComponent(wanted));
      if (state.selected !== wanted) return;
      detail._at = Date.now();
      renderDetail(detail);
    } catch (error) {
      if (error.status === 404) { state.selected = null; renderDetail(null); }
    }
  }

  function row(label, value) {
    return [el("dt", { text: label }), el("dd", { text: value == null || value === "" ? "—" : String(value) })];
  }

  function renderDetail(detail) {
    const previous = state.detail;
    state.detail = detail;
    $("detail-empty").hidden = !!detail;
    $("detail-body").hidden = !detail;
    if (!detail) { state.detailKey = ""; return; }
    const t = detail.ticket;
    const mine = t.status === "claimed" && t.claimed_by === state.agent;
    $("d-buyer").textContent = t.buyer_id;
    $("d-status").textContent = t.status_label;
    $("d-status").className = "badge " + t.status;
    $("d-holder").textContent = t.claimed_by ? "接待客服：" + t.claimed_by : "";
    // While an action is in flight the buttons wait for it: a click then would be dropped.
    $("btn-claim").disabled = state.busy || t.status !== "waiting";
    $("btn-send").disabled = state.busy || !mine;
    $("btn-resolve").disabled = state.busy || !mine;
    $("btn-giveback").disabled = state.busy || !(t.status === "waiting" || mine);
    $("reply").disabled = !mine;
    $("reply").placeholder = mine ? "输入回复，或点击右侧推荐回复" : "请先点击“接待”";
    tickAges();

    // Re-render the rest only when it changed, so scrolling and clicks are not disturbed by the poll.
    const key = JSON.stringify([detail.transcript, detail.order, detail.suggestions, t.reason, t.emotion,
      detail.summary, detail.canned_replies]);
    if (key === state.detailKey && previous) return;
    state.detailKey = key;

    const box = $("transcript");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    box.replaceChildren(...detail.transcript.map((turn) =>
      el("li", { class: "turn " + turn.role, "data-role": turn.role },
        el("span", { class: "who", text: (ROLE[turn.role] || turn.role) + " " + formatTime(turn.at) }),
        el("span", { class: "bubble", text: turn.text }))));
    if (atBottom || !previous) box.scrollTop = box.scrollHeight;

    $("d-reason").textContent = t.reason_label;
    $("d-emotion").textContent = t.emotion.toFixed(2) + (t.emotion >= 0.6 ? "（情绪激动）" : "");
    $("d-emotion-bar").style.width = Math.round(Math.min(1, t.emotion) * 100) + "%";
    $("d-emotion-bar").className = "bar" + (t.emotion >= 0.6 ? " high" : "");

    const o = detail.order;
    $("d-order").replaceChildren(...(o
      ? [...row("订单号", o.order_sn), ...row("订单状态", o.status), ...row("商品", o.goods_id),
         ...row("规格", o.spec), ...row("数量", o.quantity),
         ...row("物流公司", detail.logistics && detail.logistics.company),
         ...row("运单号", detail.logistics && detail.logistics.tracking_no)]
      : row("订单", "买家暂无订单（未下单）")));
    const events = (detail.logistics && detail.logistics.events) || [];
    $("d-logistics").replaceChildren(...events.slice().reverse().map((e) =>
      el("li", { text: e.time + " " + e.desc })));

    $("d-bot").replaceChildren(...(detail.bot_answers.length
      ? detail.bot_answers.map((a) => el("li", { text: a.text + (a.sources.length ? "（依据：" + a.sources.join("，") + "）" : "") }))
      : [el("li", { class: "muted", text: "机器人尚未回答" })]));

    renderSummary(detail.summary);
    renderCanned(detail.canned_replies);

    $("d-suggestions").replaceChildren(...detail.suggestions.map((s) => {
      const node = el("li", { class: "suggestion", "data-testid": "suggestion" },
        el("span", { text: s.text }),
        el("span", { class: "src", text: s.source === "template" ? "通用话术" : "知识库：" + (s.title || s.source) }));
      node.addEventListener("click", () => {
        if ($("reply").disabled) { toast("请先点击“接待”", true); return; }
        $("reply").value = s.text;
        $("reply").focus();
      });
      return node;
    }));
  }

  // Optional fields of the handover package: absent (an older API) means nothing is shown.
  function renderSummary(summary) {
    const lines = Array.isArray(summary) ? summary : (typeof summary === "string" ? summary.split("\n") : []);
    const shown = lines.map((line) => String(line).trim()).filter(Boolean);
    $("d-summary").hidden = shown.length === 0;
    $("d-summary").replaceChildren(...shown.map((line) => el("p", { text: line, "data-testid": "summary-line" })));
  }

  function renderCanned(canned) {
    const list = Array.isArray(canned) ? canned.filter((c) => c && c.text) : [];
    $("d-canned-box").hidden = list.length === 0;
    $("d-canned").replaceChildren(...list.map((c) => {
      const node = el("li", { class: "suggestion canned", "data-testid": "canned-reply" },
        el("strong", { class: "title", text: c.title || "快捷回复" }),
        el("span", { text: c.text }));
      node.addEventListener("click", () => insertReply(c.text));
      return node;
    }));
  }

  // Canned replies are building blocks: insert at the cursor instead of replacing what was typed.
  function insertReply(text) {
    const box = $("reply");
    if (box.disabled) { toast("请先点击“接待”", true); return; }
    const start = box.selectionStart == null ? box.value.length : box.selectionStart;
    const end = box.selectionEnd == null ? start : box.selectionEnd;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
  }

  // --- views: 会话 / 待审核知识 / 未解决问题 (review.js draws the last two) ------------------------------

  function showView(name) {
    state.view = name;
    for (const tab of document.querySelectorAll(".tab[data-view]")) {
      tab.classList.toggle("active", tab.dataset.view === name);
    }
    $("workspace").hidden = name !== "handoffs";
    $("review").hidden = name !== "review";
    $("gaps").hidden = name !== "gaps";
    if (window.KefuReview) window.KefuReview.refresh(name);
  }

  for (const tab of document.querySelectorAll(".tab[data-view]")) {
    tab.addEventListener("click", () => showView(tab.dataset.view));
  }

  // --- actions ---------------------------------------------------------------------------------------

  async function act(label, path, body) {
    if (state.busy || !state.selected) return null;
    state.busy = true;
    if (state.detail) renderDetail(state.detail);
    try {
      const result = await api("/" + encodeURIComponent(state.selected) + path, { method: "POST", body: body || {} });
      toast(label + "成功");
      return result;
    } catch (error) {
      if (error.message !== "unauthenticated") toast(label + "失败：" + error.message, true);
      return null;
    } finally {
      state.busy = false;
      await poll();
      if (state.detail) renderDetail(state.detail);  // the poll may have been skipped (one in flight)
    }
  }

  $("btn-claim").addEventListener("click", () => act("接待", "/claim"));

  $("btn-send").addEventListener("click", async () => {
    const text = $("reply").value.trim();
    if (!text) { toast("请输入回复内容", true); return; }
    // One ref per typed message: a retried click after a network error is deduplicated by the platform.
    if (!state.pendingRef || state.pendingText !== text) {
      state.pendingRef = newRef();
      state.pendingText = text;
    }
    const sent = await act("发送", "/reply", { text: text, client_ref: state.pendingRef });
    if (sent) {
      $("reply").value = "";
      state.pendingRef = null;
    }
  });

  $("btn-resolve").addEventListener("click", async () => {
    if (await act("结束会话", "/resolve")) { state.selected = null; renderDetail(null); }
  });

  $("btn-giveback").addEventListener("click", async () => {
    if (await act("交还机器人", "/give-back")) { state.selected = null; renderDetail(null); }
  });

  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("btn-send").click();
  });

  // --- polling ---------------------------------------------------------------------------------------

  async function poll() {
    if (!state.token || state.polling) return;
    state.polling = true;
    try {
      const view = await api("");
      state.fetchedAt = Date.now();
      renderList(view);  // ages come from the server each time, so the rows are simply rebuilt
      await loadDetail();
      $("live").classList.remove("stale");
    } catch (error) {
      $("live").classList.add("stale");
    } finally {
      state.polling = false;
    }
  }

  window.KefuConsole = { request, el, toast, formatAge, state, isLoggedIn: () => !!(state.token && state.agent) };

  if (state.token && state.agent) { showWorkspace(); poll(); } else { showLogin(); }
  setInterval(poll, POLL_MS);
  setInterval(tickAges, 1000);
})();
