"""Controls: the approval policy, approval requests, the gate and the audit trail."""
