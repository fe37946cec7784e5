"""The web app: FastAPI + Jinja2 pages and WebSockets over the domain, motion and coach cores.

Build it with :func:`spinecoach.web.app.create_app`; run it with ``spinecoach serve``.
"""
