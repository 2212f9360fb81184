"""nnbook.site.sphinx helpers that need no build: Korean search terms."""

from __future__ import annotations

from nnbook.site.sphinx import strip_korean_particle


def test_korean_particles_are_stripped():
    assert strip_korean_particle("텐서를") == "텐서"
    assert strip_korean_particle("기울기에서") == "기울기"
    assert strip_korean_particle("값이") == "값"
    assert strip_korean_particle("텐서들을") == "텐서"
    assert strip_korean_particle("이") == "이"  # one syllable stays
    assert strip_korean_particle("tensor") == "tensor"
