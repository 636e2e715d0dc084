"""Notices: what awaits a delegate, derived from what the other features keep."""
