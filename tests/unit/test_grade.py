"""The grader: facts folded the way formats.md says, and the figures' definitions."""

from __future__ import annotations

from kefu_dev.evaluation.grade import facts_present, grade

from kefu.models.cases import EvalCase, ReplayRecord
from kefu.models.decision import Action, HandoffReason


def test_facts_fold_space_punctuation_case_and_traditional() -> None:
    assert facts_present("亲，停留 20-30 分鐘哦！", [["20-30分钟"]])
    assert facts_present("PPD过敏不能用", [["ppd"], ["不能用", "慎用"]])
    assert not facts_present("亲，停留30分钟", [["20-30分钟"], ["30分钟"]])
    assert not facts_present(None, [["x"]])


def _case() -> EvalCase:
    return EvalCase.model_validate(
        {
            "id": "c1",
            "buyer_id": "u1",
            "turns": [
                {"type": "text", "text": "多久", "expect": {"action": "answer", "facts": [["48小时"]]}},
                {"type": "text", "text": "转人工", "expect": {"action": "handoff", "reason": "explicit_request"}},
            ],
        }
    )


def _record(turn: int, action: Action, reply: str | None, reason: HandoffReason | None = None) -> ReplayRecord:
    return ReplayRecord(case_id="c1", turn=turn, action=action, reply=reply, handoff_reason=reason,
                        confidence=0.9, latency_ms=1.0)


def test_perfect_replay_scores_full_marks() -> None:
    report = grade([_case()], [_record(0, Action.ANSWER, "48小时内发货"),
                               _record(1, Action.HANDOFF, "转接", HandoffReason.EXPLICIT_REQUEST)])
    figures = report.figures()
    assert figures["answer_accuracy"] == 1.0
    assert figures["handoff_recall"] == 1.0
    assert figures["handoff_precision"] == 1.0
    assert figures["wrong_answer_rate"] == 0.0
    assert figures["auto_reception_rate"] == 0.5


def test_answer_where_handoff_due_is_a_wrong_answer() -> None:
    report = grade([_case()], [_record(0, Action.HANDOFF, "转接", HandoffReason.LOW_CONFIDENCE),
                               _record(1, Action.ANSWER, "亲")])
    figures = report.figures()
    assert figures["answer_accuracy"] == 0.0
    assert figures["handoff_recall"] == 0.0
    assert figures["handoff_precision"] == 0.0
    assert figures["wrong_answer_rate"] == 0.5


def test_a_size_expected_with_its_unit_is_the_number_the_reply_names() -> None:
    from kefu_dev.evaluation.grade import named_sizes, size_label

    assert size_label("21码") == "21" and size_label("36.5码") == "36.5" and size_label("165/88A") == "165/88A"
    reply = "亲，按您脚长130mm，建议拍21码哦~"
    assert named_sizes(reply, [size_label("21码")]) == {"21"}
    assert named_sizes("亲，21码和22码都能穿", ["21"]) == {"21", "22"}  # naming two is not naming the one
