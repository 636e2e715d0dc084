"""Norms: adopted proposals, numbered per pillar within a commission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, one_of, rendered_html, rendered_text, utcnow
from app.proposals.rules import HTML_LANG, TEXT_LANGUAGES, in_page_order


@dataclass(frozen=True)
class NormText:
    """One of a norm's texts, as a page shows it."""

    language: str
    title: str
    text: str
    text_html: Markup
    text_plain: str

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.language]


class Norm(Base):
    __tablename__ = "norms"
    __table_args__ = (
        UniqueConstraint("commission_id", "code"),
        UniqueConstraint("working_group_id", "number"),
        UniqueConstraint("proposal_id"),
        CheckConstraint("number >= 1", name="number_positive"),
        one_of("language", TEXT_LANGUAGES),
        one_of("parallel_language", TEXT_LANGUAGES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id", ondelete="CASCADE"))
    working_group_id: Mapped[int] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE")
    )
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id", ondelete="SET NULL"))
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    text_html: Mapped[Markup] = rendered_html("text")
    text_plain: Mapped[str] = rendered_text("text")  # the registry's snippet
    # The language of `title` and `text`: the proposal's own. A norm adopted with parallel
    # texts keeps the other, equally authentic, beside it (docs/parallel-texts.md).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    parallel_language: Mapped[str | None] = mapped_column(String(8))
    parallel_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    parallel_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    parallel_text_html: Mapped[Markup] = rendered_html("parallel_text")
    parallel_text_plain: Mapped[str] = rendered_text("parallel_text")
    # Per delegation: {"US": {"yes": 4, "no": 1, "abstain": 0}, ...}; totals only when secret.
    tally: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    adopted_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def texts(self) -> list[NormText]:
        """The norm's text, and its parallel text if it has one, in the pages' order."""
        texts = {
            self.language: NormText(
                self.language, self.title, self.text, self.text_html, self.text_plain
            )
        }
        if self.parallel_language is not None:
            texts[self.parallel_language] = NormText(
                self.parallel_language,
                self.parallel_title,
                self.parallel_text,
                self.parallel_text_html,
                self.parallel_text_plain,
            )
        return [texts[language] for language in in_page_order(texts)]

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.language]


class NormIndexEntry(Base):
    """A norm's entry in the registry's search index: what a search filters and sorts on.

    Narrow on purpose, and written only by app.norms.search_index, which also keeps the text
    for each database's full-text structure beside it (see there and migration 0003).
    """

    __tablename__ = "norm_index"
    # The registry's newest (and oldest) first, and where a search walks for its newest
    # matches on PostgreSQL (app.norms.registry).
    __table_args__ = (Index("ix_norm_index_adopted", "adopted_at", "norm_id"),)

    norm_id: Mapped[int] = mapped_column(
        ForeignKey("norms.id", ondelete="CASCADE"), primary_key=True
    )
    commission_id: Mapped[int] = mapped_column(
        ForeignKey("commissions.id", ondelete="CASCADE"), index=True
    )
    working_group_id: Mapped[int] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE")
    )
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    number: Mapped[int]
    adopted_at: Mapped[datetime]
