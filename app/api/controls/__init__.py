"""Routes of controls: the approval policy, approval requests and the audit log."""
