"""The weather decision engine: is this lesson, for this student, at this time and place, safe?

Reading order: ``conditions`` (what a report says), ``metar_decoder`` / ``taf_decoder`` (raw text
to conditions, through python-metar and avwx-engine), ``minimums`` and ``judge`` (conditions
against a pilot's limits), ``window`` (which reports govern a lesson's time window),
``sources`` (where raw reports come from).
"""
