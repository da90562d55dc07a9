"""The audit trail: who changed what, when, with the row before and after."""
