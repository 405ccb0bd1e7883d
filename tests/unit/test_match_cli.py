"""`kefu match --pairs FILE`: one score per pair, the retriever's own question similarity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kefu_dev.cli.main import main


def test_scores_pairs_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pairs = tmp_path / "pairs.jsonl"
    rows = [
        {"a": "什么时候发货", "b": "嘛时候发或伐"},  # dialect + homophone typo of the same question
        {"a": "什么时候发货", "b": "發貨要多久"},  # Traditional paraphrase
        {"a": "什么时候发货", "b": "洗发水有硅油吗"},  # unrelated
    ]
    pairs.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    assert main(["match", "--pairs", str(pairs)]) == 0
    scores = [json.loads(line)["score"] for line in capsys.readouterr().out.splitlines()]
    assert len(scores) == 3
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[0] > scores[2] and scores[1] > scores[2]
    assert scores[0] > 0.5 > scores[2]


def test_bad_line_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"a": "x"}\n', encoding="utf-8")
    assert main(["match", "--pairs", str(pairs)]) == 2
    assert "line 1" in capsys.readouterr().err
