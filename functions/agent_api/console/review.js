// 待审核知识 and 未解决问题: the learning loop's two console views (docs/learning-loop.md).
// Same rule as app.js: buyer and agent text reaches the page only through textContent, and is never logged.
"use strict";

(function () {
  const C = window.KefuConsole;
  if (!C) return;
  const { el, toast } = C;
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 3000;
  const ROUTE = "/agent/knowledge";
  const REASON = {
    low_confidence: "无法回答", repeated_failure: "多次未解决", emotion: "情绪", after_sale: "售后",
    media_rule: "图片/视频", explicit_request: "要求人工", with_human: "人工接待中",
  };
  const STATUS = { pending: "待审核", approved: "已通过", merged: "已合并", rejected: "已驳回" };
  const ACTION = { approve: "通过", merge: "合并", reject: "驳回", answer_gap: "写答案" };
  const CONFLICT = { return_days: "退货期限", courier: "快递公司" };

  const cards = new Map();  // candidate_id → card; kept across polls so edits in its textareas survive
  const gapCards = new Map();
  let busy = false;
  let loading = false;

  function formatWhen(iso) {
    const d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleString("zh-CN", { hour12: false });
  }

  function lines(text) {
    return text.split("\n").map((line) => line.trim()).filter(Boolean);
  }

  // --- candidates ----------------------------------------------------------------------------------

  function candidateCard(c) {
    const id = c.candidate_id;
    const card = el("div", { class: "card candidate" + (c.conflict ? " has-conflict" : ""),
      "data-testid": "candidate", "data-candidate": id });
    card.append(el("div", { class: "card-head" },
      el("strong", { text: "转人工原因：" + (REASON[c.reason] || c.reason) }),
      el("span", { class: "muted", text: formatWhen(c.created_at) + " · 会话 " + c.handoff_id })));

    if (c.conflict) {
      const k = c.conflict;
      card.append(el("div", { class: "conflict", "data-testid": "cand-conflict" },
        el("strong", { text: "与店铺规则冲突" + (CONFLICT[k.kind] ? "（" + CONFLICT[k.kind] + "）" : "") }),
        el("span", { text: "：客服说“" + k.said + "”，店铺规则为“" + k.rule + "”" }),
        el("span", { class: "src", text: "规则来源：" + k.source })));
    }
    if (c.duplicate_of) {
      card.append(el("p", { class: "muted", "data-testid": "cand-duplicate",
        text: "与另一条待审核知识问的是同一件事：" + c.duplicate_of }));
    }

    const questions = el("textarea", { rows: Math.max(2, c.questions.length), "data-testid": "cand-questions" });
    questions.value = c.questions.join("\n");
    const answer = el("textarea", { rows: 3, maxLength: 1000, "data-testid": "cand-answer" });
    answer.value = c.answer;
    card.append(
      el("label", { class: "field" }, el("span", { text: "买家问题（每行一种问法，可修改）" }), questions),
      el("label", { class: "field" }, el("span", { text: "客服回答（可修改后通过）" }), answer));

    const similar = c.similar || [];
    const list = el("ul", { class: "similar", "data-testid": "cand-similar" });
    similar.forEach((s, index) => {
      const radio = el("input", { type: "radio", name: "merge-" + id, value: s.item_id, checked: index === 0,
        "data-testid": "similar-choice" });
      list.append(el("li", { "data-testid": "similar-item", "data-item": s.item_id },
        el("label", {}, radio,
          el("strong", { text: s.title || s.item_id }),
          el("span", { class: "score", text: "相似度 " + Number(s.score).toFixed(2) })),
        el("p", { class: "similar-answer", text: s.answer, title: s.answer })));
    });
    card.append(el("div", { class: "field" },
      el("span", { text: "相似的已有知识" }),
      similar.length ? list : el("p", { class: "muted", text: "知识库中没有相似条目" })));

    const note = el("input", { type: "text", placeholder: "驳回原因（可选）", maxLength: 200, "data-testid": "reject-note" });
    const approve = el("button", { type: "button", text: "通过", "data-testid": "approve" });
    const merge = el("button", { type: "button", class: "secondary", text: "合并到已有条目", "data-testid": "merge",
      disabled: similar.length === 0 });
    const reject = el("button", { type: "button", class: "danger", text: "驳回", "data-testid": "reject" });
    card.append(el("div", { class: "card-actions" }, approve, merge, note, reject));

    approve.addEventListener("click", () => {
      const text = answer.value.trim();
      if (!text) { toast("回答不能为空", true); return; }
      const body = { answer: text };
      const asked = lines(questions.value);
      if (asked.length) body.questions = asked;
      decide(id, "approve", body, "已通过，已加入知识库");
    });
    merge.addEventListener("click", () => {
      const chosen = card.querySelector('input[name="merge-' + CSS.escape(id) + '"]:checked');
      if (!chosen) { toast("请选择要合并到的已有条目", true); return; }
      decide(id, "merge", { item_id: chosen.value }, "已合并到已有条目");
    });
    reject.addEventListener("click", () => {
      const body = note.value.trim() ? { note: note.value.trim() } : {};
      decide(id, "reject", body, "已驳回");
    });
    return card;
  }

  async function decide(id, action, body, done) {
    if (busy) return;
    busy = true;
    try {
      await C.request(ROUTE + "/candidates/" + encodeURIComponent(id) + "/" + action, { method: "POST", body: body });
      const card = cards.get(id);
      if (card) card.remove();
      cards.delete(id);
      toast(done);
    } catch (error) {
      if (error.message !== "unauthenticated") toast("操作失败：" + error.message, true);
    } finally {
      busy = false;
      await loadCandidates();
    }
  }

  function renderCandidates(pending) {
    const ids = new Set(pending.map((c) => c.candidate_id));
    for (const [id, card] of cards) if (!ids.has(id)) { card.remove(); cards.delete(id); }
    const box = $("candidates");
    for (const c of pending) {
      if (!cards.has(c.candidate_id)) {
        const card = candidateCard(c);
        cards.set(c.candidate_id, card);
        box.append(card);
      }
    }
    $("review-empty").hidden = pending.length > 0;
    $("review-count").textContent = pending.length;
  }

  function lastDecision(c) {
    const decided = (c.decisions || []).filter((d) => d.action !== "create");
    return decided.length ? decided[decided.length - 1] : null;
  }

  function renderHistory(all) {
    const done = all.filter((c) => c.status !== "pending")
      .sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)))
      .slice(0, 30);
    $("review-history").replaceChildren(...(done.length ? done.map((c) => {
      const d = lastDecision(c);
      return el("li", { "data-testid": "history-item", "data-candidate": c.candidate_id, "data-status": c.status },
        el("span", { class: "badge " + c.status, text: STATUS[c.status] || c.status }),
        el("span", { class: "q", text: c.questions[0] || "" }),
        el("span", { class: "muted", "data-testid": "history-by",
          text: d ? (ACTION[d.action] || d.action) + " · " + d.by + " · " + formatWhen(d.at) : "" }));
    }) : [el("li", { class: "muted", text: "暂无审核记录" })]));
  }

  async function loadCandidates() {
    const [pending, all] = await Promise.all([
      C.request(ROUTE + "/candidates?status=pending"),
      C.state.view === "review" ? C.request(ROUTE + "/candidates?status=all") : Promise.resolve(null),
    ]);
    renderCandidates(pending.candidates || []);
    if (all) renderHistory(all.candidates || []);
  }

  // --- gaps ----------------------------------------------------------------------------------------

  function gapCard(g) {
    const card = el("div", { class: "card gap" + (g.answered ? " answered" : ""), "data-testid": "gap", "data-gap": g.gap_id });
    card._key = JSON.stringify(g);
    card.append(el("div", { class: "card-head" },
      el("strong", {}, el("span", { text: "出现 " }), el("span", { class: "big", text: String(g.count), "data-testid": "gap-count" }),
        el("span", { text: " 次" })),
      el("span", { class: "muted", "data-testid": "gap-last-seen", text: "最近：" + formatWhen(g.last_seen) }),
      g.answered ? el("span", { class: "badge approved", text: "已解答" }) : null));
    card.append(el("ul", { class: "examples" },
      ...g.questions.map((q) => el("li", { text: q, "data-testid": "gap-question" }))));

    const answer = el("textarea", { rows: 3, maxLength: 1000, placeholder: "写下给买家的回答，提交后机器人即可回答这类问题",
      "data-testid": "gap-answer" });
    const submit = el("button", { type: "button", text: "提交", "data-testid": "gap-submit" });
    const cancel = el("button", { type: "button", class: "secondary", text: "取消" });
    const editor = el("div", { class: "gap-editor", hidden: true }, answer, el("div", { class: "card-actions" }, submit, cancel));
    const write = el("button", { type: "button", class: "secondary", text: "写答案", "data-testid": "gap-write" });
    card.append(write, editor);
    card._editing = () => !editor.hidden;

    write.addEventListener("click", () => { editor.hidden = false; write.hidden = true; answer.focus(); });
    cancel.addEventListener("click", () => { editor.hidden = true; write.hidden = false; });
    submit.addEventListener("click", async () => {
      const text = answer.value.trim();
      if (!text) { toast("请输入回答", true); return; }
      if (busy) return;
      busy = true;
      try {
        const result = await C.request(ROUTE + "/gaps/" + encodeURIComponent(g.gap_id) + "/answer",
          { method: "POST", body: { answer: text, questions: g.questions } });
        editor.hidden = true;
        write.hidden = false;
        card._key = "";  // redraw on the next load, with its answered state
        toast("已加入知识库（版本 " + result.version + "）");
      } catch (error) {
        if (error.message !== "unauthenticated") toast("提交失败：" + error.message, true);
      } finally {
        busy = false;
        await loadGaps();
      }
    });
    return card;
  }

  async function loadGaps() {
    const gaps = (await C.request(ROUTE + "/gaps")).gaps || [];
    const box = $("gap-list");
    const ids = new Set(gaps.map((g) => g.gap_id));
    for (const [id, card] of gapCards) if (!ids.has(id)) { card.remove(); gapCards.delete(id); }
    for (const g of gaps) {
      const old = gapCards.get(g.gap_id);
      if (old && (old._key === JSON.stringify(g) || old._editing())) continue;
      const card = gapCard(g);
      if (old) old.replaceWith(card);
      gapCards.set(g.gap_id, card);
    }
    box.replaceChildren(...gaps.map((g) => gapCards.get(g.gap_id)));  // server order: the most asked first
    $("gaps-empty").hidden = gaps.length > 0;
  }

  let again = false;

  async function refresh(view) {
    if (!C.isLoggedIn()) return;
    if (loading) { again = true; return; }  // a tab switched mid-load: load once more for it
    loading = true;
    try {
      if ((view || C.state.view) === "gaps") await loadGaps();
      else await loadCandidates();  // the pending count shows on the tab in every view
    } catch (error) {
      // A console without the learning routes (an older API) keeps working; the views stay empty.
    } finally {
      loading = false;
    }
    if (again) { again = false; await refresh(); }
  }

  window.KefuReview = { refresh };
  refresh();
  setInterval(() => refresh(), POLL_MS);
})();
