"""The instructor's live dashboard of a commission: its service and its page."""
