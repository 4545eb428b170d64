"""The reading room: a web interface to the archive (`deskwatch web`; docs/web.md).

settings.py       the `web:` config section under DESKWATCH_WEB_*, and the safe-by-default rule
security.py       CSP and other headers, basic / proxy auth, CSRF, password hashes
app.py            create_app: routes, the read-only archive, the write one for subscriptions
pages.py          home, search + export, theme and country pages, alerts
release.py        a release, and two of its versions side by side
subscriptions.py  a reader's own subscriptions from a signed link; one-click unsubscribe
render.py         HTML or the JSON twin of the same data
cache.py          a time-to-live cache for the home page's source health
marks.py, svg.py  pure: highlighted parts of a text; a timeline as SVG
"""
