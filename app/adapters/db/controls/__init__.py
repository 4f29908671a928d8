"""Controls in PostgreSQL: the approval policy, approval requests and the audit trail."""
