"""Intake: inbound ERP and CRM events."""
