"""The injects' part of other features' pages: the overview's news feed.
Installed by the wiring (`app.main.install_page_parts`); see `app.page_parts`.
"""

from __future__ import annotations

from app.injects.views import visible_injects
from app.page_parts import Parts

PARTS: Parts = {"commission.news": visible_injects}
