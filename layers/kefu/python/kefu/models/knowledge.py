"""What the agent learned about a shop, and what retrieval returns."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from kefu.models.shop import ShopConfig
from kefu.models.sizing import SizeGuide


class ItemKind(StrEnum):
    RULE_SECTION = "rule_section"  # a self-contained section of a store rule file
    PRODUCT_FACT = "product_fact"  # price, colours, specs, stock, an attribute
    PRODUCT_SECTION = "product_section"  # a block of the product detail text / page
    MINED_QA = "mined_qa"  # a question buyers ask again and again, with the consensus answer
    TAUGHT_QA = "taught_qa"  # a question the shop's agent answered and the merchant approved (learning/)


class KnowledgeItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    item_id: str = Field(description="stable id: same source → same id across re-learning")
    shop_id: str
    kind: ItemKind
    title: str = Field(description="what the item is about, e.g. 发货时间 or 植物泡泡染发剂 价格")
    questions: list[str] = Field(default_factory=list, description="question variants buyers use")
    answer: str = Field(description="the text the agent may quote to the buyer")
    source: str = Field(description="file#section or mined:<cluster id>, cited in replies")
    goods_id: str | None = None
    topic: str | None = Field(default=None, description="coarse topic: shipping, usage, price ...")
    content_hash: str = ""

    def search_text(self) -> str:
        """Everything the lexical leg may match against."""
        return "\n".join([self.title, *self.questions, self.answer])


class Passage(BaseModel):
    """A sentence of an item's answer and how likely it is to answer the question (the passage picker's model)."""

    text: str
    score: float = Field(ge=0.0, le=1.0)
    position: int = Field(default=0, description="the sentence's place in the answer (0 = first)")


class SearchHit(BaseModel):
    item: KnowledgeItem
    score: float = Field(ge=0.0, le=1.0, description="calibrated confidence that the item answers the query")
    lexical: float = 0.0
    vector: float = 0.0
    raw: float = Field(default=0.0, description="fused score before calibration")
    features: list[float] = Field(default_factory=list, description="the calibration model's inputs")
    matched_question: str | None = None
    passages: list[Passage] = Field(default_factory=list, description="the answer's sentences, best first")


class VectorBlock(BaseModel):
    """The sentence encoder's vectors of every view text, computed at learn time (float16, base64, row order =
    ``texts``): loading a snapshot needs no encoding, and OpenSearch indexes the same vectors."""

    model_id: str
    dimension: int
    texts: list[str]
    data: str = Field(description="base64 of a little-endian float16 matrix, len(texts) x dimension")


class KnowledgeSnapshot(BaseModel):
    """A learned shop, as persisted (S3 locally emulated) and loaded at cold start."""

    shop_id: str
    version: str
    shop: ShopConfig
    items: list[KnowledgeItem]
    report: dict[str, object] = Field(default_factory=dict)
    # Optional (added by the learner): when it was learned and a hash per bundle file, so re-learning
    # can tell what changed and reuse work for unchanged inputs.
    learned_at: str | None = None
    source_hashes: dict[str, str] = Field(default_factory=dict)
    vectors: VectorBlock | None = Field(default=None, description="optional: encoder vectors of the views")
    sizing: SizeGuide = Field(default_factory=SizeGuide, description="size charts and how each product is sized")
