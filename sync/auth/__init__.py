"""Sign-in: accounts, password hashing, access and refresh tokens.

Accounts live here rather than in ``people``: an account is a credential (e-mail, password hash,
role, refresh tokens) and everything that reads or changes it is sign-in code. The people a school
schedules — students and instructors — are domain records that may exist without an account
(students never sign in to the desktop) and point to one when they do.
"""
