"""Deployments: state on refs/agentctl/deployments, change windows, approvals and sticky routing."""
