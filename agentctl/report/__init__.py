"""The monthly business review: outcome trends lined up with releases, deploys and contract changes.

queries.py  the SQL behind every chart (one aggregate per chart, run in the call store)
events.py   markers: deploy/promote/rollback from the deployment ref, contract version changes
cadence.py  weekly review scores, backlog, daily-check findings and their acknowledgements
charts.py   matplotlib (Agg) PNGs, each with the CSV of its numbers beside it
document.py one block list rendered to Markdown and to self-contained HTML
summary.py  the paragraph at the top: what moved most and the changes nearest to it
"""
