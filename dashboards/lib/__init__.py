"""Helpers shared by the Python dashboard sources in ``dashboards/``.

Not dashboards themselves: none of these modules assigns ``dashboard`` or ``dashboards``.
"""
