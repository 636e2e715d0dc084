"""The instructor's part of other features' pages: the console, on which the injects' forms sit.
Installed by the wiring (`app.main.install_page_parts`); see `app.page_parts`.
"""

from __future__ import annotations

from app.instructor.pages import manage_page
from app.page_parts import Parts

PARTS: Parts = {"commission.console": manage_page}
