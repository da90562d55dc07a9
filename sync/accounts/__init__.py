"""Managing a school's accounts: admins list, create, change and disable them and send one-time
links to set a password; the link's page. The Account model itself stays in ``sync.auth``: it is
a credential, and setting a password or disabling an account is sign-in code (``auth.service``)."""
