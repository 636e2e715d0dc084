"""Instructor console: set up a commission and steer it while it runs."""
