"""The coordinator's work queue: tasks, deadlines, routing, the inbox and playbooks."""
