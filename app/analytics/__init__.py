"""Analytics: one query module per dashboard chart, shared filters and statistics, and CSV export."""
