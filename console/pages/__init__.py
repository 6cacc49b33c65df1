"""One module per workflow page; each exposes ``render()`` and does nothing on import."""
