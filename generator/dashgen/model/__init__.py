"""Dashboard JSON only, no I/O: document forms, the canonical form, checks, diffs.

- ``forms``: which form a document is (View JSON, API envelope, Share > Export, v2
  resource, panel) and the conversion of an export into a dashboard model;
- ``normalize``: the canonical form and the canonical hash (the only hash function);
- ``validate``: pure checks, a list of ``Problem``;
- ``legacy_rows``: Grafana's schema-16 migration, opt-in;
- ``diff``: readable differences between two canonical dashboards.
"""
