"""/v1/admin/jobs and the test clock."""
