"""Taking buyer messages in: verify, validate, enqueue."""
