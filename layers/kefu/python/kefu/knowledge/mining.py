"""Mine the questions buyers ask again and again from exported chat logs.

Pipeline (all lexicons are data, see kefu/data/mining_lexicon.json):

1. Pairs: every customer turn with the agent text that answered it; PII masked.
2. Verdicts per pair: chatter (greetings, thanks), no answer, a question about a
   picture/video, a context-only follow-up ("那长头发呢"), and for answers: rude
   (lexicon, or the customer complained about the attitude right after),
   contradicting the store rules (polarity check below), containing PII, or
   bound to one order (tracking status, "已经登记补发", ...).
3. Clustering: questions are normalised (繁→简, dialect → standard, particles
   dropped) and compared by character-bigram and toneless-pinyin-bigram Dice
   (so 发或/发货 and 过民/过敏 meet), plus answer similarity, which joins
   paraphrases that agents answered alike. Candidate pairs come from an
   inverted index of bigrams (blocking), then union-find: no all-pairs loop.
4. Per cluster asked in ≥ 2 distinct sessions: the consensus answer is the
   usable answer most similar to the other agents' answers, with a bonus for
   being grounded in the shop's own texts; one-off answers lose.

Rule contradiction: an answer that starts with a yes (可以的/包邮的/可以用的 …) is
compared with the shop sentence that best matches question + answer (IDF-weighted
bigram F1, negations stripped so they do not affect the match); if that sentence
denies (不能/不建议/不包邮/不明显 …) and clearly beats the best affirmative sentence,
the answer contradicts the rules. The symmetric check (a "no" against an explicit
"可以/支持" rule) uses a stricter margin.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from kefu.knowledge.sources import Dropped
from kefu.knowledge.sources.chat_logs import ChatLogs, QAPair, qa_pairs
from kefu.knowledge.sources.text import compact, content_hash, guess_topic, load_data, sha, to_simplified
from kefu.models.knowledge import ItemKind, KnowledgeItem
from kefu.privacy.pii import contains_placeholder, find_pii, mask_pii

# Thresholds, tuned on the sample shop and checked by hand (see tests/unit/test_learn.py).
QUESTION_LINK_ALONE = 0.65  # question similarity that joins two questions whatever was answered
QUESTION_LINK = 0.45  # joins them when the answers do not disagree completely ...
ANSWER_NOT_DISJOINT = 0.1  # ... (answer similarity at least this)
QUESTION_LINK_WITH_ANSWER = 0.3  # weaker question similarity is enough ...
ANSWER_LINK = 0.3  # ... when the agents' answers agree this much and agree in polarity
ANSWER_AGREE = 0.3  # two answers "say the same"
MIN_SESSIONS = 2  # a question must come from this many distinct sessions
MAX_VARIANTS = 20
BLOCK_MAX_DF = 0.2  # bigrams in more than this share of questions are useless as blocking keys
CONFLICT_MIN = 0.2
CONFLICT_MARGIN = 0.03
REVERSE_CONFLICT_MIN = 0.4
REVERSE_CONFLICT_MARGIN = 0.15

_NOT_VARIANTS = frozenset({"context_dependent", "about_media"})
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_CLAUSE = re.compile(r"[，,。.！!？?~～；;：:\s、…]+")
_SENTENCE = re.compile(r"[。；;！!？?\n]+")


@dataclass(frozen=True)
class Lexicon:
    dialect: re.Pattern[str]
    dialect_map: dict[str, str]
    particles: re.Pattern[str]
    chatter: frozenset[str]
    question_markers: tuple[str, ...]
    rude: tuple[str, ...]
    attitude: tuple[str, ...]
    order_bound: re.Pattern[str]
    negations: re.Pattern[str]
    affirmations: re.Pattern[str]
    expansions: dict[str, str]
    yes_no_markers: tuple[str, ...]


@cache
def lexicon() -> Lexicon:
    data = load_data("mining_lexicon.json")
    dialect: dict[str, str] = {}
    try:  # the understanding lexicon, when the library ships one, covers more colloquial words
        extra = load_data("lexicon.json")
        words = extra.get("words", {}) if isinstance(extra, dict) else {}
        dialect.update({k: v for k, v in words.items() if isinstance(v, str) and len(k) >= 2})
    except (FileNotFoundError, ValueError, OSError):
        pass
    dialect.update(data["dialect"])
    dialect = {to_simplified(k): to_simplified(v) for k, v in dialect.items() if k}

    def alternation(words: list[str]) -> str:
        return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))

    return Lexicon(
        dialect=re.compile(alternation(list(dialect))),
        dialect_map=dialect,
        particles=re.compile(alternation(data["particles"])),
        chatter=frozenset(compact(w) for w in data["chatter"]),
        question_markers=tuple(data["question_markers"]),
        rude=tuple(data["rude"]),
        attitude=tuple(data["attitude_complaints"]),
        order_bound=re.compile("|".join(f"(?:{p})" for p in data["order_bound"])),
        negations=re.compile(alternation(data["negations"])),
        affirmations=re.compile("^(?:" + alternation(data["affirmations"]) + ")"),
        expansions={to_simplified(k).lower(): v for k, v in data.get("expansions", {}).items()},
        yes_no_markers=tuple(data.get("yes_no_markers", ["吗"])),
    )


# ---------------------------------------------------------------------------- text features


def normalize_question(text: str) -> str:
    """Clustering form of a question: masked, 繁→简, dialect → standard, no particles or punctuation."""
    lex = lexicon()
    text = compact(mask_pii(text))
    for placeholder in ("手机号", "电话", "身份证号", "订单号", "快递单号", "地址", "姓名", "邮箱"):
        text = text.replace(placeholder, "")
    text = lex.dialect.sub(lambda m: lex.dialect_map[m.group(0)], text)
    stripped = lex.particles.sub("", text)
    return stripped or text


def normalize_answer(text: str) -> str:
    lex = lexicon()
    text = compact(text)
    stripped = lex.particles.sub("", text)
    return stripped or text


def bigrams(text: str) -> frozenset[str]:
    if len(text) < 2:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


@cache
def _syllable(char: str) -> str:
    from pypinyin import lazy_pinyin  # imported on first use: its dictionaries take ~150 ms

    if "\u4e00" <= char <= "\u9fff":
        return str(lazy_pinyin(char)[0])
    return char


def pinyin_bigrams(text: str) -> frozenset[str]:
    syllables = [_syllable(ch) for ch in text]
    if len(syllables) < 2:
        return frozenset(syllables)
    return frozenset(f"{a} {b}" for a, b in pairwise(syllables))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2.0 * len(a & b) / (len(a) + len(b))


# ---------------------------------------------------------------------------- rule checker


@dataclass(frozen=True)
class _Sentence:
    source: str
    text: str
    grams: frozenset[str]
    negative: bool
    affirmative: bool


_STOP_CHARS = frozenset("的了吗呢啊呀吧哦么亲你我您们是在就也还都和跟要想这那个一下有")


def match_features(text: str) -> frozenset[str]:
    """Unigrams (minus function characters) and bigrams of a compact text with negations removed."""
    text = lexicon().negations.sub("", text)
    unigrams = frozenset(ch for ch in text if ch not in _STOP_CHARS)
    return unigrams | bigrams(text)


def expand(text: str) -> str:
    lex = lexicon()
    return text + "".join(value for key, value in lex.expansions.items() if key in text)


class RuleChecker:
    """Checks agent answers against the shop's own texts (rules, product details, pages)."""

    QUESTION_WEIGHT = 0.7  # score = 0.7 · share of the question covered + 0.3 · share of the sentence covered

    def __init__(self, texts: list[tuple[str, str]]) -> None:
        lex = lexicon()
        sentences: list[_Sentence] = []
        seen: set[str] = set()
        for source, text in texts:
            for raw in _SENTENCE.split(text):
                norm = compact(raw)
                if len(norm) < 4 or norm in seen:
                    continue
                seen.add(norm)
                negative = bool(lex.negations.search(norm))
                affirmative = not negative and bool(re.search(r"可以|支持|能|包邮|免费", norm))
                sentences.append(_Sentence(source, raw.strip(), match_features(norm), negative, affirmative))
        self.sentences = sentences
        df: Counter[str] = Counter()
        for sentence in sentences:
            df.update(sentence.grams)
        total = max(len(sentences), 1)
        self._idf = {gram: math.log(1 + total / count) for gram, count in df.items()}
        self._default_idf = math.log(1 + 2 * total)
        self._index: dict[str, list[int]] = defaultdict(list)
        for position, sentence in enumerate(sentences):
            for gram in sentence.grams:
                self._index[gram].append(position)
        self._weights = [self._weight(sentence.grams) for sentence in sentences]
        # Logs repeat the same answers (templates) thousands of times: check each text once.
        self._grounding: dict[str, float] = {}
        self._conflicts: dict[tuple[str, str], str | None] = {}

    def _weight(self, grams: frozenset[str]) -> float:
        return sum(self._idf.get(g, self._default_idf) for g in grams)

    def _scores(self, question: frozenset[str], answer: frozenset[str]) -> dict[int, float]:
        statement = question | answer
        candidates: set[int] = set()
        for gram in statement:
            candidates.update(self._index.get(gram, ()))
        question_weight = self._weight(question)
        scores: dict[int, float] = {}
        for position in candidates:
            sentence = self.sentences[position]
            shared = self._weight(statement & sentence.grams)
            coverage = self._weight(question & sentence.grams) / question_weight if question_weight else 0.0
            recall = shared / self._weights[position] if self._weights[position] else 0.0
            scores[position] = self.QUESTION_WEIGHT * coverage + (1 - self.QUESTION_WEIGHT) * recall
        return scores

    def grounding(self, answer: str) -> float:
        """How well the answer is backed by one of the shop's sentences (0..1)."""
        cached = self._grounding.get(answer)
        if cached is None:
            grams = match_features(normalize_answer(answer))
            cached = max(self._scores(grams, frozenset()).values(), default=0.0)
            self._grounding[answer] = cached
        return cached

    def conflict(self, question: str, answer: str) -> str | None:
        """The shop sentence the answer contradicts, or None (see the module doc)."""
        key = (normalize_question(question), answer)
        if key not in self._conflicts:
            self._conflicts[key] = self._conflict(question, answer)
        return self._conflicts[key]

    def _conflict(self, question: str, answer: str) -> str | None:
        if not is_yes_no_question(question):
            return None
        polarity = answer_polarity(answer)
        if polarity is None:
            return None
        lex = lexicon()
        if polarity > 0 and lex.negations.search(compact(answer)):
            return None  # "yes, but don't …" repeats the rule's caveat rather than denying it
        scores = self._scores(
            match_features(expand(normalize_question(question))), match_features(normalize_answer(answer))
        )
        best_negative = max(
            ((s, p) for p, s in scores.items() if self.sentences[p].negative), default=(0.0, -1)
        )
        best_positive = max(
            ((s, p) for p, s in scores.items() if not self.sentences[p].negative), default=(0.0, -1)
        )
        if (
            polarity > 0
            and best_negative[0] >= CONFLICT_MIN
            and best_negative[0] >= best_positive[0] + CONFLICT_MARGIN
        ):
            return self.sentences[best_negative[1]].text
        if (
            polarity < 0
            and best_positive[0] >= REVERSE_CONFLICT_MIN
            and best_positive[0] >= best_negative[0] + REVERSE_CONFLICT_MARGIN
            and self.sentences[best_positive[1]].affirmative
        ):
            return self.sentences[best_positive[1]].text
        return None


def is_yes_no_question(question: str) -> bool:
    lex = lexicon()
    text = compact(question)
    return any(marker in text for marker in lex.yes_no_markers)


def answer_polarity(answer: str) -> int | None:
    """+1 for an answer that opens with a yes, -1 with a no, None when it does not answer yes/no."""
    lex = lexicon()
    text = to_simplified(answer)
    clauses = [c for c in _CLAUSE.split(text) if c]
    for clause in clauses:
        core = lex.particles.sub("", clause)
        if not core or core in ("好的", "好", "嗯"):
            continue  # "亲" / "好的" alone: look at the next clause
        if lex.negations.search(core):
            return -1
        if lex.affirmations.search(core):
            return 1
        return None
    return None


# ---------------------------------------------------------------------------- mining


@dataclass
class Candidate:
    pair: QAPair
    question: str  # masked
    answer: str  # masked
    qnorm: str
    verdict: str | None  # drop reason for the answer, None = usable
    detail: str = ""
    grams: frozenset[str] = frozenset()
    answer_grams: frozenset[str] = frozenset()
    grounding: float = 0.0


@dataclass
class MinedCluster:
    cluster_id: str
    title: str
    sessions: int
    questions: list[str]
    answer: str | None
    kept: bool
    reason: str | None = None


@dataclass
class MiningResult:
    items: list[KnowledgeItem] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    clusters: list[MinedCluster] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    # Every learnable (masked question, masked answer) pair, asked once or often: the learner uses them
    # to teach the official knowledge how buyers phrase their questions.
    usable_pairs: list[tuple[str, str]] = field(default_factory=list)


def is_chatter(question: str) -> bool:
    lex = lexicon()
    norm = compact(question)
    if not norm or norm in lex.chatter:
        return True
    without = lex.particles.sub("", norm)
    if not without or without in lex.chatter:
        return True
    # Without any question marker a message is a statement ("好那我拍了"), not something to answer.
    return not any(marker in question or marker in norm for marker in lex.question_markers)


def judge_answer(pair: QAPair, masked_answer: str, checker: RuleChecker) -> tuple[str | None, str]:
    """(drop reason, detail) for the agent's answer; (None, '') when it may be learned."""
    lex = lexicon()
    simple = to_simplified(pair.answer)
    rude = next((word for word in lex.rude if word in simple), None)
    if rude:
        return "rude", rude
    reaction = to_simplified(pair.reaction)
    complaint = next((word for word in lex.attitude if word in reaction), None)
    if complaint:
        return "rude", f"customer: {complaint}"
    conflict = checker.conflict(pair.question, pair.answer)
    if conflict:
        return "contradicts_rules", conflict
    pii = find_pii(pair.answer)
    if pii:
        return "pii", mask_pii(pair.answer)[:40]
    bound = lex.order_bound.search(simple) or lex.order_bound.search(masked_answer)
    if bound:
        return "order_bound", bound.group(0)
    return None, ""


def _session_attitude(pairs: list[QAPair]) -> bool:
    lex = lexicon()
    texts = [to_simplified(p.reaction) + to_simplified(p.question) for p in pairs]
    return any(word in text for text in texts for word in lex.attitude)


def build_candidates(logs: ChatLogs, checker: RuleChecker, result: MiningResult) -> list[Candidate]:
    candidates: list[Candidate] = []
    stats = result.stats
    for session in logs.sessions:
        pairs = qa_pairs(session)
        # A customer who complains about the attitude discredits every answer of that session.
        rude_session = _session_attitude(pairs)
        for pair in pairs:
            stats["pairs"] = stats.get("pairs", 0) + 1
            if is_chatter(pair.question):
                stats["chatter"] = stats.get("chatter", 0) + 1
                continue
            question = mask_pii(pair.question)
            qnorm = normalize_question(pair.question)
            masked_answer = mask_pii(pair.answer)
            verdict: str | None
            detail = ""
            if not pair.answer:
                verdict = "no_answer"
            elif pair.with_media:
                verdict, detail = "about_media", "customer sent a picture or video"
            elif pair.index > 0 and len(qnorm) <= 4:
                verdict, detail = "context_dependent", "short follow-up"
            elif rude_session and not answer_ok_in_rude_session(pair):
                verdict, detail = "rude", "customer complained about the attitude in this session"
            else:
                verdict, detail = judge_answer(pair, masked_answer, checker)
            candidate = Candidate(
                pair=pair,
                question=question,
                answer=masked_answer,
                qnorm=qnorm,
                verdict=verdict,
                detail=detail,
                grams=bigrams(qnorm) | frozenset("p:" + g for g in pinyin_bigrams(qnorm)),
                answer_grams=bigrams(normalize_answer(masked_answer)),
            )
            if verdict is None:
                candidate.grounding = checker.grounding(masked_answer)
            candidates.append(candidate)
    return candidates


def answer_ok_in_rude_session(pair: QAPair) -> bool:
    # Answers given after the complaint (apologies) are not the rude ones, but none are worth learning.
    return False


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, node: int) -> int:
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def question_similarity(a: Candidate, b: Candidate) -> float:
    """Half bigram/pinyin-bigram Dice (typos, homophones), half content-character Dice (reordering)."""
    q_a, q_b = bigrams(a.qnorm), bigrams(b.qnorm)
    p_a = frozenset(g for g in a.grams if g.startswith("p:"))
    p_b = frozenset(g for g in b.grams if g.startswith("p:"))
    u_a = frozenset(ch for ch in a.qnorm if ch not in _STOP_CHARS)
    u_b = frozenset(ch for ch in b.qnorm if ch not in _STOP_CHARS)
    return 0.5 * max(dice(q_a, q_b), dice(p_a, p_b)) + 0.5 * dice(u_a, u_b)


def _linked(a: Candidate, b: Candidate, answer_a: Candidate, answer_b: Candidate) -> bool:
    similarity = question_similarity(a, b)
    if similarity >= QUESTION_LINK_ALONE:
        return True
    if similarity < QUESTION_LINK_WITH_ANSWER:
        return False
    agreement = dice(answer_a.answer_grams, answer_b.answer_grams)
    if similarity >= QUESTION_LINK and agreement >= ANSWER_NOT_DISJOINT:
        return True
    if agreement < ANSWER_LINK:
        return False
    # Similar answers, but one denies what the other grants (没拆的能退 / 拆了能退): different questions.
    negations = lexicon().negations
    return bool(negations.search(compact(answer_a.answer))) == bool(
        negations.search(compact(answer_b.answer))
    )


def cluster(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Group paraphrased questions; blocking by shared bigrams keeps it near-linear."""
    units: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        if candidate.qnorm:
            units[candidate.qnorm].append(candidate)
    keys = sorted(units)
    heads = [units[key][0] for key in keys]
    answers = [_unit_answer(units[key]) for key in keys]
    grams = [head.grams for head in heads]
    df: Counter[str] = Counter()
    for unit_grams in grams:
        df.update(unit_grams)
    limit = max(8, int(BLOCK_MAX_DF * len(keys)))
    index: dict[str, list[int]] = defaultdict(list)
    for position, unit_grams in enumerate(grams):
        for gram in unit_grams:
            if df[gram] <= limit:
                index[gram].append(position)
    forest = _UnionFind(len(keys))
    for position, unit_grams in enumerate(grams):
        neighbours: set[int] = set()
        for gram in unit_grams:
            postings = index.get(gram)
            if postings:
                neighbours.update(p for p in postings if p > position)
        for other in neighbours:
            if forest.find(position) != forest.find(other) and _linked(
                heads[position], heads[other], answers[position], answers[other]
            ):
                forest.union(position, other)
    groups: dict[int, list[Candidate]] = defaultdict(list)
    for position, key in enumerate(keys):
        groups[forest.find(position)].extend(units[key])
    return [groups[root] for root in sorted(groups)]


def _unit_answer(candidates: list[Candidate]) -> Candidate:
    usable = [c for c in candidates if c.verdict is None]
    return (usable or candidates)[0]


def _representative(group: list[Candidate]) -> Candidate:
    unique: dict[str, Candidate] = {}
    for candidate in group:
        unique.setdefault(candidate.qnorm, candidate)
    options = list(unique.values())
    if len(options) == 1:
        return options[0]

    def centrality(candidate: Candidate) -> tuple[float, int, int]:
        similarity = sum(dice(candidate.grams, other.grams) for other in options if other is not candidate)
        clean = 0 if contains_placeholder(candidate.question) else 1
        simplified = 1 if to_simplified(candidate.question) == candidate.question else 0
        return (similarity + 0.1 * clean + 0.05 * simplified, -len(candidate.qnorm), 0)

    return max(options, key=centrality)


def _title(question: str) -> str:
    lex = lexicon()
    text = to_simplified(question).strip()
    # Drop leading greetings ("在吗 这个…", "亲 …") from the title.
    words = text.split()
    while len(words) > 1 and (
        compact(words[0]) in lex.chatter or not lex.particles.sub("", compact(words[0]))
    ):
        words.pop(0)
    return " ".join(words)


def choose_answer(group: list[Candidate]) -> tuple[Candidate | None, str | None]:
    """(consensus answer, reason when none).

    Answers are compared as distinct texts weighted by how many sessions gave them, so the cost
    grows with the number of different answers in a cluster, not with the volume of the logs.
    """
    usable = [c for c in group if c.verdict is None]
    if not usable:
        return None, "no_usable_answer"
    weights: Counter[str] = Counter()
    texts: dict[str, Candidate] = {}
    for candidate in group:
        if candidate.pair.answer:
            weights[candidate.answer] += 1
            texts.setdefault(candidate.answer, candidate)
    total = sum(weights.values())
    options: dict[str, Candidate] = {}
    for candidate in usable:
        options.setdefault(candidate.answer, candidate)
    scored: list[tuple[float, int, str, Candidate]] = []
    for text, candidate in options.items():
        agreement = 0.0
        support = 0
        for other, count in weights.items():
            # The same text from other sessions is full agreement; one's own occurrence does not count.
            count = count - 1 if other == text else count
            if count <= 0:
                continue
            similarity = 1.0 if other == text else dice(candidate.answer_grams, texts[other].answer_grams)
            agreement += similarity * count
            if similarity >= ANSWER_AGREE:
                support += count
        others = max(total - 1, 1)
        score = agreement / others + 0.5 * candidate.grounding + 0.2 * support / others
        scored.append((score, support, text, candidate))
    scored.sort(key=lambda entry: (-entry[0], entry[2]))
    _, best_support, _, best = scored[0]
    if total >= 3 and best_support == 0 and best.grounding < 0.3:
        return None, "no_consensus"
    return best, None


def mine(
    logs: ChatLogs, shop_id: str, reference_texts: list[tuple[str, str]], source_file: str
) -> MiningResult:
    result = MiningResult()
    checker = RuleChecker(reference_texts)
    candidates = build_candidates(logs, checker, result)
    for candidate in candidates:
        if candidate.verdict:
            result.dropped.append(
                Dropped(
                    candidate.verdict,
                    candidate.pair.session,
                    f"{_clip(candidate.question)} → {_clip(candidate.answer)}"
                    + (f" ({candidate.detail})" if candidate.detail else ""),
                )
            )
    result.usable_pairs = [(c.question, c.answer) for c in candidates if c.verdict is None]
    # Follow-ups that only make sense in their conversation, and questions about a picture, are not variants.
    groups = cluster([c for c in candidates if c.verdict not in _NOT_VARIANTS])
    result.stats["clusters"] = len(groups)
    used_ids: set[str] = set()
    for group in groups:
        representative = _representative(group)
        title = _title(representative.question)
        cluster_id = "cluster-" + sha(representative.qnorm, 8)
        while cluster_id in used_ids:  # two clusters cannot share a representative, but be safe
            cluster_id = "cluster-" + sha(cluster_id, 8)
        used_ids.add(cluster_id)
        sessions = {c.pair.session for c in group}
        variants = _variants(group)
        if len(sessions) < MIN_SESSIONS:
            result.clusters.append(
                MinedCluster(cluster_id, title, len(sessions), variants, None, False, "asked_once")
            )
            result.dropped.append(Dropped("asked_once", f"{source_file}#{cluster_id}", _clip(title)))
            continue
        chosen, reason = choose_answer(group)
        if chosen is None:
            result.clusters.append(
                MinedCluster(cluster_id, title, len(sessions), variants, None, False, reason)
            )
            result.dropped.append(
                Dropped(reason or "no_usable_answer", f"{source_file}#{cluster_id}", _clip(title))
            )
            continue
        for candidate in group:
            one_off = candidate.verdict is None and candidate is not chosen
            if one_off and dice(candidate.answer_grams, chosen.answer_grams) < ANSWER_AGREE:
                result.stats["one_off_answers"] = result.stats.get("one_off_answers", 0) + 1
        # A variant must have been answered the same way in its own session: clusters can join questions
        # that merely share a product name (多少钱 / 有硅油吗 / 多少毫升), and those must not inherit this answer.
        agreeing = [
            c for c in group
            if c is chosen or (c.verdict is None and dice(c.answer_grams, chosen.answer_grams) >= ANSWER_AGREE)
        ]
        variants = _variants(agreeing)
        # The title is the question the chosen answer actually answered, so title and answer always fit.
        title = _title(chosen.question)
        answer = chosen.answer.strip()
        if find_pii(answer):  # masking is the last line of defence; never learn what still looks personal
            result.dropped.append(Dropped("pii", f"{source_file}#{cluster_id}", _clip(mask_pii(answer))))
            continue
        goods = {c.pair.goods_id for c in group}
        goods_id = next(iter(goods)) if len(goods) == 1 else None
        source = f"{source_file}#{cluster_id}"
        topic = guess_topic(title, answer, " ".join(variants))
        result.items.append(
            KnowledgeItem(
                item_id=f"mined-{cluster_id.removeprefix('cluster-')}",
                shop_id=shop_id,
                kind=ItemKind.MINED_QA,
                title=title,
                questions=variants,
                answer=answer,
                source=source,
                goods_id=goods_id,
                topic=topic,
                content_hash=content_hash(ItemKind.MINED_QA.value, title, variants, answer, goods_id, topic),
            )
        )
        result.clusters.append(MinedCluster(cluster_id, title, len(sessions), variants, answer, True))
    result.stats["clusters_kept"] = len(result.items)
    return result


def _variants(group: list[Candidate]) -> list[str]:
    variants: list[str] = []
    seen: set[str] = set()
    for candidate in sorted(group, key=lambda c: (contains_placeholder(c.question), len(c.question))):
        text = candidate.question.strip()
        key = compact(text)
        if not key or key in seen or find_pii(text):
            continue
        seen.add(key)
        variants.append(text)
        if len(variants) >= MAX_VARIANTS:
            break
    return variants


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
