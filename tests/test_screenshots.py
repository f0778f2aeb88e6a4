"""`make screenshots` (tests/screenshots.py) keeps working: the README's pictures can be made again
from the real parts at any time."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.screenshots import DOCS, make_all

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, path
    width, height = struct.unpack(">II", head[16:24])
    return width, height


async def test_the_readme_screenshots_can_be_made_again(rasa_url: str, tmp_path: Path) -> None:
    out = tmp_path / "docs"
    shots = await make_all(out, tmp_path, rasa_url)
    assert [p.name for p in shots] == [
        "review-conversations.png",
        "review-transcript.png",
        "patient-chat.png",
        "agents-topic.png",
    ]
    for path in shots:
        width, height = png_size(path)
        assert width >= 700 and height >= 600, path
        # the README shows the committed copies of the same pictures
        assert (DOCS / path.name).exists(), path.name
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert all(f"docs/{p.name}" in readme for p in shots)
