"""Tests for the instructor console."""
