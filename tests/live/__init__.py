"""Tests for the live-update broker and the publish-after-commit hook."""
