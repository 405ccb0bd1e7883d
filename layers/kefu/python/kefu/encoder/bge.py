"""bge-small-zh-v1.5 (int8 ONNX) behind the ``Embedder`` interface: onnxruntime + the model's own tokenizer.

BGE's sentence embedding is the [CLS] token's last hidden state, L2-normalised (the model card's recipe); the
tokenizer file carries the BERT vocabulary, lower-casing and the [CLS]/[SEP] template.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from kefu.encoder.files import MODEL_ID, ModelFiles, locate

DIMENSION = 512
# Buyers' messages and knowledge sentences are short; a long detail block is cut (BERT's limit is 512 tokens).
MAX_TOKENS = 256
CACHE_SIZE = 4096


class BgeSmallZhEncoder:
    """Text → unit-length 512-d vectors. Thread-safe; repeated texts come from a small cache."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, files: ModelFiles | None = None, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        files = files or locate()
        options = onnxruntime.SessionOptions()
        # One thread: a Lambda environment serves one message at a time, and the local runtime runs several.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(files.onnx), options, providers=["CPUExecutionProvider"])
        self._inputs = {item.name for item in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(files.tokenizer))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, float32, each of unit length (an empty text gets the [CLS]-only vector)."""
        rows: list[np.ndarray | None] = []
        missing: list[int] = []
        with self._lock:
            for index, text in enumerate(texts):
                cached = self._cache.get(text)
                if cached is None:
                    missing.append(index)
                else:
                    self._cache.move_to_end(text)
                rows.append(cached)
        if missing:
            # One text per run: the int8 model quantizes its activations with scales taken over the whole batch,
            # so a text encoded beside others would get another vector than alone (cosine ~0.994), and a
            # buyer's message is always encoded alone.
            for i in missing:
                rows[i] = self._run(texts[i])
            with self._lock:
                for i in missing:
                    self._cache[texts[i]] = rows[i]  # type: ignore[assignment]
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        done = [row for row in rows if row is not None]
        if not done:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.vstack(done).astype(np.float32, copy=False)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def embed(self, texts: list[str]) -> list[list[float]]:
        """The ``Embedder`` protocol (OpenSearch publishing, Bedrock's twin)."""
        return [row.tolist() for row in self.encode(texts)]

    def _run(self, text: str) -> np.ndarray:
        encoding = self._tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.array([encoding.attention_mask], dtype=np.int64)}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        cls = np.asarray(self._session.run(None, feeds)[0][0, 0, :], dtype=np.float32)
        norm = float(np.linalg.norm(cls))
        return cls / (norm or 1.0)


_shared: BgeSmallZhEncoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> BgeSmallZhEncoder:
    """One encoder per process (0.1-0.3 s to load, ~60 MB): every shop index and classifier uses it."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = BgeSmallZhEncoder()
        return _shared
