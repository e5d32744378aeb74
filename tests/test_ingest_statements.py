"""How ingest splits a batch into multi-row statements (backend/storage/sqlite/ingest.py): pure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from backend.storage.sqlite.ingest import chunk_sizes


@given(count=st.integers(min_value=0, max_value=20_000), most=st.integers(min_value=1, max_value=1024))
def test_chunks_cover_the_batch_in_few_shapes(count: int, most: int) -> None:
    sizes = chunk_sizes(count, most)
    assert sum(sizes) == count
    assert all(0 < size <= most for size in sizes)
    # Full chunks, then at most one chunk of each power of two below `most`.
    rest = [size for size in sizes if size != most]
    assert len(rest) == len(set(rest)) and all(size & (size - 1) == 0 for size in rest)
