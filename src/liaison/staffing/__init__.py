"""Staffing: match coordinators to client openings, train them, oversee their work.

``profiles`` (coordinators, certifications), ``openings`` (what a client needs),
``matching`` (explainable scores and assignment), ``placements`` (proposed ->
onboarding -> active -> ended, and the access that goes with it), ``training``
(courses, quizzes, certification renewals) and ``oversight`` (KPIs from Liaison's own
records, scorecards, account health, weekly reports). ``access`` decides who sees what.
"""
