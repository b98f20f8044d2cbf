"""The patient portal: sign-in by one-time code, self-scheduling, appointments and
messages for patients and the people they care for."""
