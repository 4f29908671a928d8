"""Organisation: org units, people and projects."""
