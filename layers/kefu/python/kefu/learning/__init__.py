"""The learning loop: agents' answers become reviewed knowledge; unanswered questions; the dashboard."""
