"""The weekly call review: rubrics, reproducible samples, scoring, findings → backlog."""
