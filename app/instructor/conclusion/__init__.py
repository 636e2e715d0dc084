"""Concluding a commission: the preview, the confirmation form and what concluding does."""
