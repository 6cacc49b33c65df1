"""The Streamlit console (控制台): ``app.py`` builds the navigation and checks the login; ``pages/`` hold
one module per workflow, each with ``render()``; ``components/`` the shared widgets; ``data.py`` the
cached reads; ``backend.py`` opens the stores and services the settings name (the composition root)."""
