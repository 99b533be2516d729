"""Reflections: the employee's dated self-assessments, their shared series and the dashboards
(issue 15). :mod:`shared.reflections.series` computes every number; :mod:`.reflections` stores,
decides who sees what and answers."""
