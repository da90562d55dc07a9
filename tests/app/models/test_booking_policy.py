"""The booking policy as the desk reads it and the change it sends — pure logic (the dialog and
the service together: ``tests/app/views/test_policy_dialog.py``)."""

from __future__ import annotations

from app.models.booking_policy import BookingPolicy, field_label

ANSWER = {
    "version": 4,
    "rules": [
        {"code": "OUTSIDE_SCHOOL_HOURS", "action": "warn", "default": "warn", "refusal": "invalid",
         "title": "Outside school hours", "description": "The lesson starts or ends outside…"},
        {"code": "INSTRUCTION_8_IN_24", "action": "block", "default": "block",
         "refusal": "conflict", "title": "More than 8 hours of instruction in 24",
         "description": "…"},
    ],
    "settings": {"turnaround_minutes": 0, "instruction_hours_per_24h": 8,
                 "student_lessons_per_week": None},
}


def test_only_what_differs_is_sent_and_said_in_words() -> None:
    policy = BookingPolicy.from_json(ANSWER)
    actions = {"OUTSIDE_SCHOOL_HOURS": "block", "INSTRUCTION_8_IN_24": "block"}
    settings = {"turnaround_minutes": 15, "instruction_hours_per_24h": 8,
                "student_lessons_per_week": None}

    changes = policy.changes(actions=actions, settings=settings)

    assert changes == {"rules": {"OUTSIDE_SCHOOL_HOURS": "block"}, "turnaround_minutes": 15}
    assert policy.describe(changes) == ["Outside school hours: block",
                                        "Turnaround between lessons: 15"]
    assert policy.changes(actions={"OUTSIDE_SCHOOL_HOURS": "warn"},
                          settings=dict(ANSWER["settings"])) == {}
    lifted = policy.changes(actions={}, settings={"student_lessons_per_week": 3})
    assert lifted == {"student_lessons_per_week": 3}
    assert policy.describe({"student_lessons_per_week": None}) == [
        "Lessons per student per week: no limit"]


def test_a_refused_field_is_named_as_the_dialog_names_it() -> None:
    policy = BookingPolicy.from_json(ANSWER)
    assert field_label("turnaround_minutes") == "Turnaround between lessons"
    assert field_label("rules.OUTSIDE_SCHOOL_HOURS", policy) == "Outside school hours"
    assert field_label("SOMETHING_NEW") == "Something new"
    assert field_label(None) == ""
