"""The Solara dashboard: explore, compare, teach and research views (``coprod-sim dashboard``)."""
