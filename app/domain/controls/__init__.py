"""Controls: approvals for the decisions that lose money, and the audit trail."""
